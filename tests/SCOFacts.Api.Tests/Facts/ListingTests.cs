using System.Net;
using System.Text.Json;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>Lists page with opaque cursors, without duplicates or gaps, and filter as documented.</summary>
public sealed class ListingTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Walking_the_fact_list_by_cursor_visits_every_fact_once_in_order()
    {
        var subject = Scenario.Id("list");
        var created = new List<string>();
        for (var i = 0; i < 23; i++)
            created.Add(await factory.DefineQuantityFactAsync(Scenario.Id($"{subject}.age"), subject));

        var (bySubject, pages) = await WalkAsync($"/api/facts?subject={subject}&limit=5");
        var (everything, _) = await WalkAsync("/api/facts?limit=7");
        // As of time axes each fact is reconciled again, and the scan pages by the same cursor.
        var (asOf, _) = await WalkAsync($"/api/facts?subject={subject}&limit=4&validAt=2030&knownAt=2100-01-01");

        Assert.Equal(5, pages);
        Assert.Equal(created.Order(StringComparer.Ordinal), bySubject);
        Assert.Equal(bySubject, asOf);
        Assert.Equal(everything.Count, everything.Distinct().Count());
        Assert.Equal(everything.Order(StringComparer.Ordinal), everything);
        Assert.Subset(everything.ToHashSet(), created.ToHashSet());
    }

    [Fact]
    public async Task Facts_filter_by_subject_property_verdict_and_source()
    {
        var subject = Scenario.Id("filter");
        var xinhua = await factory.RegisterSourceAsync("Xinhua");
        var tass = await factory.RegisterSourceAsync("TASS");
        var single = await factory.DefineQuantityFactAsync(Scenario.Id($"{subject}.age"), subject, "age");
        var contested = await factory.DefineQuantityFactAsync(Scenario.Id($"{subject}.years"), subject, "years-since-founding");
        var empty = await factory.DefineQuantityFactAsync(Scenario.Id($"{subject}.other"), subject, "years-since-charter");
        await factory.RecordClaimAsync(single, xinhua);
        await factory.RecordClaimAsync(contested, xinhua);
        await factory.RecordClaimAsync(contested, tass, Scenario.AboutTenYears);

        Assert.Equal(Sorted(single, contested, empty), await IdsAsync($"/api/facts?subject={subject}"));
        Assert.Equal([contested], await IdsAsync($"/api/facts?subject={subject}&property=years-since-founding"));
        Assert.Equal([single], await IdsAsync($"/api/facts?subject={subject}&verdict=single-source"));
        Assert.Equal([contested], await IdsAsync($"/api/facts?subject={subject}&verdict=contested"));
        Assert.Equal([empty], await IdsAsync($"/api/facts?subject={subject}&verdict=unverified"));
        Assert.Equal(Sorted(single, contested), await IdsAsync($"/api/facts?source={xinhua}"));
        Assert.Equal([contested], await IdsAsync($"/api/facts?source={tass}"));
        Assert.Empty(await IdsAsync($"/api/facts?subject={subject}&verdict=consensus"));

        // The same filters as of a valid time before any claim: nothing is known about either fact then.
        Assert.Equal(Sorted(single, contested, empty), await IdsAsync($"/api/facts?subject={subject}&verdict=unverified&validAt=2010"));
    }

    [Fact]
    public async Task Sources_order_by_reliability_once_rated()
    {
        var good = await factory.RegisterSourceAsync("Xinhua");
        var unrated = await factory.RegisterSourceAsync("TASS");
        var poor = await factory.RegisterSourceAsync("Rumour Mill");
        using (await factory.Editor.PostOkAsync($"/api/sources/{good}/ratings", """{ "reliability": 0.9, "reason": "accurate on dates" }""", HttpStatusCode.OK))
        using (await factory.Editor.PostOkAsync($"/api/sources/{poor}/ratings", """{ "reliability": 0.2, "reason": "often wrong" }""", HttpStatusCode.OK))
        {
        }
        // The walk pages by reliability: a learned weight moving under it (from the claims other tests recorded) would
        // move a source from one page to another.
        await TimeAndAudit.Api.TrustCaughtUpAsync(factory);

        var (byReliability, pages) = await WalkAsync("/api/sources?orderBy=reliability&limit=1");
        var (byId, _) = await WalkAsync("/api/sources?limit=2");

        Assert.True(pages >= 3);
        Assert.Equal([good, unrated, poor], byReliability.Where(new[] { good, unrated, poor }.Contains));
        Assert.Equal(byReliability.Count, byReliability.Distinct().Count());
        Assert.Equal(byId.Order(StringComparer.Ordinal), byId);
        Assert.Equal(byId.ToHashSet(), byReliability.ToHashSet());

        using var rated = await factory.Anonymous.GetAsync($"/api/sources/{good}");
        var reliability = (await rated.BodyAsync()).GetProperty("reliability");
        Assert.Equal(0.9, reliability.GetProperty("value").GetDouble());
        Assert.Equal("rated", reliability.GetProperty("origin").GetString());
        Assert.Equal("editor:test-editor", reliability.GetProperty("ratedBy").GetString());
        Assert.StartsWith("\"2.", rated.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task A_subject_lists_its_facts_reconciled_and_an_unknown_one_is_404()
    {
        var subject = Scenario.Id("subject");
        var xinhua = await factory.RegisterSourceAsync("Xinhua");
        var age = await factory.DefineQuantityFactAsync(Scenario.Id($"{subject}.age"), subject, "age");
        var other = await factory.DefineQuantityFactAsync(Scenario.Id($"{subject}.span"), subject, "span");
        await factory.RecordClaimAsync(age, xinhua);

        using var response = await factory.Anonymous.GetAsync($"/api/subjects/{subject}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.BodyAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(Sorted(age, other), items.Select(i => i.GetProperty("id").GetString()!));
        var ageItem = items.Single(i => i.GetProperty("id").GetString() == age);
        Assert.Equal("single-source", ageItem.GetProperty("verdict").GetString());
        Assert.Equal("more than 2 decades", ageItem.GetProperty("value").GetString()); // as the claim put it

        using var paged = await factory.Anonymous.GetAsync($"/api/subjects/{subject}?limit=1");
        var page = await paged.BodyAsync();
        Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(JsonValueKind.String, page.GetProperty("nextCursor").ValueKind);

        using var before = await factory.Anonymous.GetAsync($"/api/subjects/{subject}?validAt=2010");
        Assert.All((await before.BodyAsync()).GetProperty("items").EnumerateArray(),
            i => Assert.Equal("unverified", i.GetProperty("verdict").GetString()));

        using var unknown = await factory.Anonymous.GetAsync($"/api/subjects/{Scenario.Id("nobody")}");
        await Platform.ProblemAssert.IsProblemAsync(unknown, HttpStatusCode.NotFound, "not-found");
    }

    private static List<string> Sorted(params string[] ids) => [.. ids.Order(StringComparer.Ordinal)];

    private async Task<List<string>> IdsAsync(string path)
    {
        var (ids, _) = await WalkAsync(path);
        return ids;
    }

    /// <summary>Follows nextCursor to the end; returns the ids in the order served and the number of pages.</summary>
    private async Task<(List<string> Ids, int Pages)> WalkAsync(string path)
    {
        var ids = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            using var response = await factory.Anonymous.GetAsync(cursor is null ? path : $"{path}{separator}cursor={Uri.EscapeDataString(cursor)}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            var page = await response.BodyAsync();
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
            Assert.True(pages < 1000, "the cursor never ran out");
        }
        while (cursor is not null);
        return (ids, pages);
    }
}
