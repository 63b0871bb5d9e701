using System.Net;
using System.Text.Json;
using SCOFacts.Testing;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.TimeAndAudit;

/// <summary>The change feed under concurrent writers: pages and the SSE stream each see every event once, in one order.</summary>
public sealed class FeedTests(ErrorCapturingApiFactory factory) : IClassFixture<ErrorCapturingApiFactory>
{
    private const int Writers = 16;
    private const int ClaimsPerWriter = 15;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private sealed record Seen(string Cursor, string StreamId, long Version);

    private static Seen Parse(JsonElement item) =>
        new(item.GetProperty("cursor").GetString()!, item.GetProperty("streamId").GetString()!, item.GetProperty("version").GetInt64());

    /// <summary>
    /// Reads the whole feed until it has delivered every event committed so far, and returns the cursor there.
    /// An empty page alone is not the end: a transaction still open anywhere on the server (another test's
    /// daemon, say) holds the feed back, and those events arrive later, in order.
    /// </summary>
    private async Task<string> EndOfFeedAsync()
    {
        await using var count = factory.DataSource.CreateCommand("SELECT count(*) FROM mt_events");
        var committed = (long)(await count.ExecuteScalarAsync())!;
        string? cursor = null;
        long delivered = 0;
        await Wait.UntilAsync(async () =>
        {
            var page = await GetAsync(factory.Anonymous, $"/api/feed?limit=1000{(cursor is null ? "" : $"&after={cursor}")}");
            cursor = page.GetProperty("nextCursor").GetString()!;
            delivered += page.GetProperty("items").GetArrayLength();
            return delivered >= committed;
        }, Timeout, $"the feed has delivered all {committed} committed events");
        return cursor!;
    }

    private async Task<List<Seen>> PageAsync(string after, int count)
    {
        var seen = new List<Seen>();
        var cursor = after;
        await Wait.UntilAsync(async () =>
        {
            var page = await GetAsync(factory.Anonymous, $"/api/feed?after={cursor}&limit=25");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(Parse));
            var next = page.GetProperty("nextCursor").GetString()!;
            if (page.GetProperty("items").GetArrayLength() == 0) Assert.Equal(cursor, next);
            cursor = next;
            return seen.Count >= count;
        }, Timeout, $"the pager has seen {count} events");
        return seen;
    }

    private async Task<List<Seen>> StreamAsync(string? lastEventId, int count, bool asQuery = false)
    {
        using var cancel = new CancellationTokenSource(Timeout);
        var url = "/api/feed/stream" + (asQuery && lastEventId is not null ? $"?after={lastEventId}" : "");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
        if (!asQuery && lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        using var response = await factory.Anonymous.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync(cancel.Token);
        using var reader = new StreamReader(body);
        var seen = new List<Seen>();
        string? id = null;
        string? data = null;
        while (seen.Count < count)
        {
            var line = await reader.ReadLineAsync(cancel.Token) ?? throw new InvalidOperationException($"the stream ended after {seen.Count} events");
            if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            else if (line.Length == 0 && data is not null)
            {
                var item = Parse(JsonDocument.Parse(data).RootElement);
                Assert.Equal(id, item.Cursor);
                seen.Add(item);
                (id, data) = (null, null);
            }
        }
        await cancel.CancelAsync();
        return seen;
    }

    [Fact]
    public async Task Pages_and_the_event_stream_see_every_concurrent_write_once_in_the_same_order()
    {
        // One source per writer: sharing sources is Concurrent_writers_citing_the_same_sources_are_never_refused's subject.
        for (var w = 0; w < Writers; w++)
        {
            await RegisterSourceAsync(factory, $"fd-source-{w:D2}", $"Publisher {w}");
            await DefineQuantityAsync(factory, $"fd.writer-{w:D2}", "percent");
        }
        var start = await EndOfFeedAsync();
        const int expected = Writers * ClaimsPerWriter;

        var pager = Task.Run(() => PageAsync(start, expected));
        var listener = Task.Run(() => StreamAsync(start, expected));
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < ClaimsPerWriter; i++)
            {
                await RecordAsync(factory.Checker, $"fd.writer-{w:D2}", $"fd-claim-{w:D2}-{i:D2}", $"fd-source-{w:D2}",
                    Quantity((40 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), "percent"), At("2025"));
            }
        })).ToList();
        try
        {
            await Task.WhenAll(writers);
        }
        catch (Exception e) when (!factory.Errors.IsEmpty)
        {
            Assert.Fail($"{e.Message}\nServer errors:\n{string.Join("\n", factory.Errors.Take(3))}");
        }
        var paged = await pager;
        var streamed = await listener;

        var expectedEvents = Enumerable.Range(0, Writers)
            .SelectMany(w => Enumerable.Range(2, ClaimsPerWriter).Select(v => ($"fact-fd.writer-{w:D2}", (long)v)))
            .Order().ToList();
        var pagedKeys = paged.Select(s => (s.StreamId, s.Version)).ToList();
        Assert.Equal(expected, paged.Count);
        Assert.Equal(expectedEvents, pagedKeys.Order().ToList());
        Assert.Equal(pagedKeys, streamed.Select(s => (s.StreamId, s.Version)).ToList());
        Assert.Equal(paged.Select(p => p.Cursor), streamed.Select(s => s.Cursor));
        // Within each stream, the feed is in version order.
        foreach (var group in paged.GroupBy(p => p.StreamId))
            Assert.Equal(group.Select(g => g.Version).Order(), group.Select(g => g.Version));

        // Resuming from the middle, by Last-Event-ID or by ?after=, continues exactly after that event.
        var middle = expected / 2;
        var resumed = await StreamAsync(streamed[middle].Cursor, expected - middle - 1);
        Assert.Equal(streamed.Skip(middle + 1), resumed);
        var resumedByQuery = await StreamAsync(streamed[middle].Cursor, expected - middle - 1, asQuery: true);
        Assert.Equal(streamed.Skip(middle + 1), resumedByQuery);
        var pagedFromMiddle = await PageAsync(streamed[middle].Cursor, expected - middle - 1);
        Assert.Equal(streamed.Skip(middle + 1), pagedFromMiddle);
    }

    [Fact]
    public async Task Concurrent_writers_citing_the_same_sources_are_never_refused()
    {
        string[] sources = ["fd-shared-a", "fd-shared-b", "fd-shared-c"];
        foreach (var source in sources) await RegisterSourceAsync(factory, source, $"Publisher of {source}");
        for (var w = 0; w < Writers; w++) await DefineQuantityAsync(factory, $"fd.shared-{w:D2}", "percent");
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < ClaimsPerWriter; i++)
            {
                await RecordAsync(factory.Checker, $"fd.shared-{w:D2}", $"fd-shared-{w:D2}-{i:D2}", sources[(w + i) % sources.Length],
                    Quantity("44", "percent"), At("2025"));
            }
        })).ToList();
        try
        {
            await Task.WhenAll(writers);
        }
        catch (Exception e) when (!factory.Errors.IsEmpty)
        {
            Assert.Fail($"{e.Message}\nServer errors:\n{string.Join("\n", factory.Errors.Take(3))}");
        }
    }

    [Fact]
    public async Task A_cursor_the_API_did_not_issue_is_a_400_problem_for_pages_and_the_stream()
    {
        await GetAsync(factory.Anonymous, "/api/feed?after=not-a-cursor", HttpStatusCode.BadRequest);
        await GetAsync(factory.Anonymous, "/api/feed?limit=0", HttpStatusCode.BadRequest);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/feed/stream", UriKind.Relative));
        request.Headers.Add("Last-Event-ID", "12:34");
        using var response = await factory.Anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
