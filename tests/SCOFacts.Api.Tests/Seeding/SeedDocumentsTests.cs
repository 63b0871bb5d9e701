using System.Net;
using SCOFacts.Api.Tests.Facts;

namespace SCOFacts.Api.Tests.Seeding;

/// <summary>A first start attaches the seed sources' documents found beside the repository, so every seeded quote was checked.</summary>
public sealed class SeedDocumentsTests(SeededApiFactory factory) : IClassFixture<SeededApiFactory>
{
    [Fact]
    public async Task Every_seed_source_has_its_document_and_every_seeded_quote_is_verbatim_in_it()
    {
        Assert.True(Directory.Exists(RepoPaths.Documents), $"The source documents are expected at {RepoPaths.Documents}.");
        foreach (var source in factory.Seeds.Sources)
        {
            using var response = await factory.Anonymous.GetAsync($"/api/sources/{source.Id}/document");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{source.Id}: {await response.Content.ReadAsStringAsync()}");
            var document = await response.BodyAsync();
            Assert.Equal(source.Sha256, document.GetProperty("sha256").GetString());
            Assert.Equal("seed-import", document.GetProperty("attachedBy").GetString());

            var quotes = document.GetProperty("quotes").EnumerateArray().ToList();
            var seeded = factory.Seeds.Claims.Where(c => c.Source == source.Id).ToDictionary(c => c.Id);
            Assert.Equal(seeded.Count, quotes.Count);
            foreach (var quote in quotes)
            {
                var claim = seeded[quote.GetProperty("claimId").GetString()!];
                Assert.True(quote.GetProperty("verbatim").GetBoolean(), claim.Id);
                Assert.Equal(claim.Locator!.Offset, quote.GetProperty("offset").GetInt32());
                Assert.Equal(claim.Locator.Paragraph, quote.GetProperty("paragraph").GetInt32());
            }
        }
    }

    [Fact]
    public async Task A_made_up_quote_from_a_seed_source_is_refused()
    {
        using var response = await factory.Checker.PostJsonAsync("/api/facts/sco.land-area-share-of-world/claims",
            """
            { "sourceId": "xinhua-2025-11-21", "value": { "kind": "quantity", "amount": "99", "unit": "percent", "approx": "exact" },
              "validTime": { "at": "2025-11-21" }, "quote": "The SCO covers 99 percent of the planet" }
            """);

        var problem = await SCOFacts.Api.Tests.Platform.ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "validation-failed");
        Assert.Equal("quote-not-verbatim", problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("closestPassage").GetProperty("text").GetString()));
    }
}
