using System.Globalization;
using System.Net;
using System.Text.Json;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.TimeAndAudit;

/// <summary>The app with the seed set loaded on start, as in production.</summary>
public sealed class SeededApiFactory : ApiFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Seeds:LoadOnStart"] = "true";
    }
}

/// <summary>schema.org ClaimReview JSON-LD for the seeded facts.</summary>
public sealed class ClaimReviewTests(SeededApiFactory factory) : IClassFixture<SeededApiFactory>
{
    private async Task<(List<JsonElement> Graph, string? MediaType)> ReviewAsync(string factId)
    {
        using var response = await factory.Anonymous.GetAsync(new Uri($"/api/facts/{factId}/claimreview", UriKind.Relative));
        var document = await ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal("https://schema.org", document.GetProperty("@context").GetString());
        return (document.GetProperty("@graph").EnumerateArray().ToList(), response.Content.Headers.ContentType?.MediaType);
    }

    private static string Text(JsonElement item, string property)
    {
        Assert.True(item.TryGetProperty(property, out var value), $"missing {property} in {item}");
        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
        Assert.False(string.IsNullOrWhiteSpace(text), $"empty {property} in {item}");
        return text!;
    }

    [Fact]
    public async Task A_consensus_fact_is_published_as_well_formed_ClaimReviews_rating_its_supporting_claims_5()
    {
        var (graph, mediaType) = await ReviewAsync("sco.founded-on");
        Assert.Equal("application/ld+json", mediaType);

        var fact = await GetAsync(factory.Anonymous, "/api/facts/sco.founded-on");
        Assert.Equal("consensus", fact.GetProperty("verdict").GetString());
        var supporting = fact.GetProperty("supporting").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => c);
        Assert.Equal(["c-deng-001", "c-umarov-005", "c-unga-comm-010"], supporting.Keys.Order());
        Assert.Equal(supporting.Count, graph.Count);

        foreach (var item in graph)
        {
            Assert.Equal("ClaimReview", Text(item, "@type"));
            var url = Text(item, "url");
            Assert.True(Uri.TryCreate(url, UriKind.Absolute, out _), url);
            var claimId = url[(url.LastIndexOf('/') + 1)..];
            Assert.Equal(supporting[claimId].GetProperty("quote").GetString(), Text(item, "claimReviewed"));
            Assert.True(DateOnly.TryParseExact(Text(item, "datePublished"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
            Text(item.GetProperty("author"), "name");

            var rating = item.GetProperty("reviewRating");
            Assert.Equal((5, 5, 1), (rating.GetProperty("ratingValue").GetInt32(), rating.GetProperty("bestRating").GetInt32(), rating.GetProperty("worstRating").GetInt32()));

            var reviewed = item.GetProperty("itemReviewed");
            Assert.Equal("Claim", Text(reviewed, "@type"));
            Text(reviewed.GetProperty("author"), "name");
            var appearance = reviewed.GetProperty("appearance");
            Text(appearance, "@type");
            Text(appearance, "headline");
        }
    }

    [Fact]
    public async Task A_claim_whose_dispute_was_upheld_rates_1_and_its_contradicting_claims_do_not()
    {
        var (graph, _) = await ReviewAsync("sco.age-years");
        var ratings = graph.ToDictionary(
            item => Text(item, "url")[(Text(item, "url").LastIndexOf('/') + 1)..],
            item => item.GetProperty("reviewRating").GetProperty("ratingValue").GetInt32());
        Assert.Equal(1, ratings["c-umarov-003"]);
        Assert.All(ratings.Where(r => r.Key != "c-umarov-003"), r => Assert.InRange(r.Value, 3, 5));
    }

    [Fact]
    public async Task An_unknown_fact_has_no_ClaimReview()
    {
        await GetAsync(factory.Anonymous, "/api/facts/no.such-fact/claimreview", HttpStatusCode.NotFound);
    }
}
