using System.Net;
using System.Text.Json;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.TimeAndAudit;

/// <summary>A fact's and a claim's story: every event in order with who, why, the request, and the verdict after it.</summary>
public sealed class HistoryTests(ApiFactory factory) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private const string Fact = "hi.share";

    public async Task InitializeAsync()
    {
        using (var existing = await factory.Anonymous.GetAsync(new Uri($"/api/facts/{Fact}", UriKind.Relative)))
        {
            if (existing.StatusCode == HttpStatusCode.OK) return;
        }
        await RegisterSourceAsync(factory, "hi-wire", "Wire");
        await RegisterSourceAsync(factory, "hi-paper", "Paper");
        await DefineQuantityAsync(factory, Fact, "percent");
        await RecordAsync(factory.Checker, Fact, "hi-1", "hi-wire", Quantity("44", "percent"), At("2025"), correlationId: "corr-hi-record-1");
        await PostAsync(factory.Checker, "/api/claims/hi-1/endorsements", new { note = "Checked against the table." }, HttpStatusCode.OK);
        await RecordAsync(factory.Checker, Fact, "hi-2", "hi-paper", Quantity("44", "percent"), At("2025"));
        await PostAsync(factory.Checker, "/api/claims/hi-2/disputes", new { id = "hi-d1", reason = "Copied from the wire." }, HttpStatusCode.Created,
            correlationId: "corr-hi-dispute");
        await PostAsync(factory.Editor, "/api/claims/hi-2/disputes/hi-d1/resolution", new { outcome = "rejected", note = "Independent reporting." },
            HttpStatusCode.OK);
        await RecordAsync(factory.Checker, Fact, "hi-3", "hi-paper", Quantity("30", "percent"), At("2025"));
        await PostAsync(factory.Editor, "/api/claims/hi-3/retraction", new { reason = "Misread." }, HttpStatusCode.OK);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<List<JsonElement>> AllPagesAsync(string url, int limit)
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await GetAsync(factory.Anonymous, $"{url}?limit={limit}{(cursor is null ? "" : $"&cursor={cursor}")}");
            var count = page.GetProperty("items").GetArrayLength();
            Assert.InRange(count, 1, limit);
            items.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("nextCursor").GetString();
            Assert.True(++pages <= 20, "paging ends");
        }
        while (cursor is not null);
        return items;
    }

    [Fact]
    public async Task The_fact_history_lists_every_event_in_order_with_who_why_the_request_and_the_verdict_after_it()
    {
        // Each entry carries its ledger leaf hash once the sealer has taken it.
        await SCOFacts.Api.Storage.AsyncProjections.WaitForCatchUpAsync(factory.DataSource, TimeSpan.FromSeconds(30));
        var page = await GetAsync(factory.Anonymous, $"/api/facts/{Fact}/history?limit=100");
        Assert.Equal(JsonValueKind.Null, page.GetProperty("nextCursor").ValueKind);
        var items = page.GetProperty("items").EnumerateArray().ToList();

        Assert.Equal(Enumerable.Range(1, 8).Select(v => (long)v), items.Select(i => i.GetProperty("version").GetInt64()));
        Assert.Equal(
            ["FactDefined", "ClaimRecorded", "ClaimEndorsed", "ClaimRecorded", "ClaimDisputed", "DisputeRejected", "ClaimRecorded", "ClaimRetracted"],
            items.Select(i => i.GetProperty("type").GetString()));
        Assert.Equal(
            ["editor:test-editor", "checker:test-checker", "checker:test-checker", "checker:test-checker", "checker:test-checker",
                "editor:test-editor", "checker:test-checker", "editor:test-editor"],
            items.Select(i => i.GetProperty("recordedBy").GetString()));
        Assert.Equal(
            ["unverified", "single-source", "single-source", "consensus", "consensus", "consensus", "settled", "consensus"],
            items.Select(i => i.GetProperty("verdict").GetString()));
        Assert.Equal("corr-hi-record-1", items[1].GetProperty("correlationId").GetString());
        Assert.Equal("corr-hi-dispute", items[4].GetProperty("correlationId").GetString());
        Assert.Equal("Copied from the wire.", items[4].GetProperty("reason").GetString());
        Assert.Equal("Misread.", items[7].GetProperty("reason").GetString());
        Assert.Equal("hi-1", items[1].GetProperty("data").GetProperty("claimId").GetString());
        Assert.Equal(JsonValueKind.Null, items[0].GetProperty("value").ValueKind);
        Assert.NotNull(items[7].GetProperty("value").GetString());
        Assert.All(items, i => Assert.Equal(64, i.GetProperty("hash").GetString()!.Length));
        var times = items.Select(i => i.GetProperty("recordedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
    }

    [Fact]
    public async Task Paging_the_history_by_cursor_gives_the_same_events_once_each()
    {
        var all = (await GetAsync(factory.Anonymous, $"/api/facts/{Fact}/history?limit=100")).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("version").GetInt64()).ToList();
        var paged = (await AllPagesAsync($"/api/facts/{Fact}/history", 3)).Select(i => i.GetProperty("version").GetInt64()).ToList();
        Assert.Equal(all, paged);
    }

    [Fact]
    public async Task A_claims_history_lists_only_that_claims_events()
    {
        var items = await AllPagesAsync("/api/claims/hi-2/history", 2);
        Assert.Equal(["ClaimRecorded", "ClaimDisputed", "DisputeRejected"], items.Select(i => i.GetProperty("type").GetString()));
        Assert.Equal([4L, 5L, 6L], items.Select(i => i.GetProperty("version").GetInt64()));
        Assert.All(items, i => Assert.Equal("hi-2", i.GetProperty("data").GetProperty("claimId").GetString()));

        var first = await GetAsync(factory.Anonymous, "/api/claims/hi-1/history");
        Assert.Equal(["ClaimRecorded", "ClaimEndorsed"], first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("type").GetString()));
    }

    [Theory]
    [InlineData("/api/facts/no.such-fact/history", HttpStatusCode.NotFound)]
    [InlineData("/api/claims/no-such-claim/history", HttpStatusCode.NotFound)]
    [InlineData("/api/facts/" + Fact + "/history?cursor=garbage", HttpStatusCode.BadRequest)]
    [InlineData("/api/facts/" + Fact + "/history?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/facts/" + Fact + "/history?cursor=djE6aGkuc2hhcmU", HttpStatusCode.BadRequest)] // v1:hi.share, a fact list's cursor
    [InlineData("/api/claims/hi-1/history?cursor=djE6LTE", HttpStatusCode.BadRequest)] // v1:-1
    [InlineData("/api/claims/hi-1/history?limit=1001", HttpStatusCode.BadRequest)]
    public async Task Bad_requests_are_problems_not_errors(string url, HttpStatusCode expected)
    {
        using var response = await factory.Anonymous.GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
