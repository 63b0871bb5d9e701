using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SCOFacts.Api.Storage;
using SCOFacts.Api.Tests.Facts;

namespace SCOFacts.Api.Tests.Platform;

/// <summary>
/// What an HTTP client expects beyond the bodies: revalidation with ETag and If-None-Match, Cache-Control, Link
/// headers on lists, one paging contract, refused unknown query parameters, and problems for oversized requests.
/// </summary>
public sealed class HttpDetailsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? ifNoneMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (ifNoneMatch is not null)
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_read_answers_304_to_its_current_ETag_and_200_once_the_fact_changed()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync(subject: Scenario.Id("etag"));
        await factory.RecordClaimAsync(fact, source);

        // The trust daemon may still re-weigh the new claim's source, which changes the answer at the same version:
        // wait until it has taken every event. (Two equal reads in a row were not enough: the daemon can take its
        // batch between them and the next read.)
        await AsyncProjections.WaitForCatchUpAsync(factory.DataSource, TimeSpan.FromSeconds(30));
        using var first = await GetAsync(factory.Anonymous, $"/api/facts/{fact}");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag?.Tag;
        Assert.NotNull(etag);
        Assert.True(first.Headers.CacheControl?.NoCache, $"Cache-Control: {first.Headers.CacheControl}");
        Assert.Equal((await first.Content.ReadAsByteArrayAsync()).Length, first.Content.Headers.ContentLength);

        using var again = await GetAsync(factory.Anonymous, $"/api/facts/{fact}", etag);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, again.Headers.ETag?.Tag);

        // A read's ETag carries the version a write checks: sent back as If-Match it passes.
        var other = await factory.RegisterSourceAsync("TASS");
        using var write = await factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(other), ("If-Match", etag!));
        Assert.Equal(HttpStatusCode.Created, write.StatusCode);

        using var changed = await GetAsync(factory.Anonymous, $"/api/facts/{fact}", etag);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag?.Tag);

        // A stale read ETag fails If-Match like a stale version.
        var third = await factory.RegisterSourceAsync("RIA");
        using var stale = await factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(third), ("If-Match", etag!));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
    }

    [Fact]
    public async Task Lists_have_ETags_too_and_answer_304()
    {
        var subject = Scenario.Id("etagl");
        await factory.DefineQuantityFactAsync(Scenario.Id($"{subject}.a"), subject);

        using var first = await GetAsync(factory.Anonymous, $"/api/facts?subject={subject}");
        var etag = first.Headers.ETag?.Tag;
        Assert.NotNull(etag);
        using var again = await GetAsync(factory.Anonymous, $"/api/facts?subject={subject}", $"W/{etag}, \"other\"");
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);

        await factory.DefineQuantityFactAsync(Scenario.Id($"{subject}.b"), subject);
        using var grown = await GetAsync(factory.Anonymous, $"/api/facts?subject={subject}", etag);
        Assert.Equal(HttpStatusCode.OK, grown.StatusCode);
    }

    [Fact]
    public async Task Lists_link_to_their_next_page_and_the_last_page_has_no_link()
    {
        var subject = Scenario.Id("link");
        for (var i = 0; i < 3; i++)
            await factory.DefineQuantityFactAsync(Scenario.Id($"{subject}.f{i}"), subject);

        var seen = new List<string>();
        string? next = $"/api/facts?subject={subject}&limit=2";
        var pages = 0;
        while (next is not null)
        {
            using var page = await GetAsync(factory.Anonymous, next);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var body = await page.BodyAsync();
            seen.AddRange(body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            next = page.Headers.TryGetValues("Link", out var links) ? ParseNext(links.Single()) : null;
            var cursor = body.GetProperty("nextCursor");
            Assert.Equal(cursor.ValueKind == JsonValueKind.Null, next is null);
            if (next is not null)
            {
                Assert.Contains($"subject={subject}", next, StringComparison.Ordinal);
                Assert.Contains("cursor=" + Uri.EscapeDataString(cursor.GetString()!), next, StringComparison.Ordinal);
            }
            pages++;
        }
        Assert.Equal(2, pages);
        Assert.Equal(3, seen.Distinct().Count());

        using var feed = await GetAsync(factory.Anonymous, "/api/feed?limit=1");
        Assert.Contains("rel=\"next\"", feed.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
    }

    private static string ParseNext(string link)
    {
        Assert.EndsWith("; rel=\"next\"", link, StringComparison.Ordinal);
        return link[1..link.IndexOf('>', StringComparison.Ordinal)];
    }

    [Theory]
    [InlineData("/api/facts")]
    [InlineData("/api/sources")]
    [InlineData("/api/feed")]
    [InlineData("/api/subjects/{subject}")]
    [InlineData("/api/facts/{fact}/claims")]
    [InlineData("/api/facts/{fact}/history")]
    public async Task Every_list_pages_with_cursor_and_limit_up_to_1000(string template)
    {
        var subject = Scenario.Id("paging");
        var fact = await factory.DefineQuantityFactAsync(Scenario.Id($"{subject}.p"), subject);
        var path = template.Replace("{subject}", subject, StringComparison.Ordinal).Replace("{fact}", fact, StringComparison.Ordinal);

        using var largest = await GetAsync(factory.Anonymous, $"{path}?limit=1000");
        Assert.Equal(HttpStatusCode.OK, largest.StatusCode);
        using var tooMany = await GetAsync(factory.Anonymous, $"{path}?limit=1001");
        var problem = await ProblemAssert.IsProblemAsync(tooMany, HttpStatusCode.BadRequest, "malformed-request");
        Assert.Equal("limit", problem.GetProperty("parameter").GetString());
        using var badCursor = await GetAsync(factory.Anonymous, $"{path}?cursor=garbage");
        Assert.Equal("cursor", (await ProblemAssert.IsProblemAsync(badCursor, HttpStatusCode.BadRequest, "malformed-request")).GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task The_feed_takes_cursor_and_still_its_deprecated_after()
    {
        await factory.DefineQuantityFactAsync(subject: Scenario.Id("feed"));
        var first = await (await GetAsync(factory.Anonymous, "/api/feed?limit=1")).BodyAsync();
        var cursor = first.GetProperty("nextCursor").GetString()!;

        var byCursor = await (await GetAsync(factory.Anonymous, $"/api/feed?limit=1&cursor={cursor}")).BodyAsync();
        var byAfter = await (await GetAsync(factory.Anonymous, $"/api/feed?limit=1&after={cursor}")).BodyAsync();
        Assert.Equal(byCursor.GetRawText(), byAfter.GetRawText());
        Assert.NotEqual(first.GetRawText(), byCursor.GetRawText());

        using var both = await GetAsync(factory.Anonymous, $"/api/feed?cursor={cursor}&after={byCursor.GetProperty("nextCursor").GetString()}");
        Assert.Equal("after", (await ProblemAssert.IsProblemAsync(both, HttpStatusCode.BadRequest, "malformed-request")).GetProperty("parameter").GetString());
    }

    [Theory]
    [InlineData("/api/facts?vaildAt=2017", "vaildAt")]
    [InlineData("/api/facts?subject=sco&orderby=id", "orderby")]
    [InlineData("/api/facts/sco.founded-on?validAt=2017&as_of=2020", "as_of")]
    [InlineData("/api/sources?cursor=&page=2", "page")]
    [InlineData("/api/feed?since=1", "since")]
    [InlineData("/problems?x=1", "x")]
    [InlineData("/api/facts?verdict=disputed", "verdict")]
    [InlineData("/api/facts?verdict=Contested", "verdict")]
    [InlineData("/api/sources?orderBy=name", "orderBy")]
    [InlineData("/api/facts?validAt=yesterday", "validAt")]
    [InlineData("/api/facts?knownAt=now", "knownAt")]
    public async Task Unknown_query_parameters_and_values_get_a_400_naming_the_parameter(string path, string parameter)
    {
        using var response = await GetAsync(factory.Anonymous, path);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed-request");
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Contains(parameter, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Known_parameters_and_values_still_work()
    {
        foreach (var path in new[] { "/api/facts?verdict=single-source&limit=5", "/api/sources?orderBy=reliability", "/api/feed?limit=2" })
        {
            using var response = await GetAsync(factory.Anonymous, path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task A_too_long_request_target_gets_a_414_problem()
    {
        using var response = await GetAsync(factory.Anonymous, "/api/facts?subject=" + new string('a', 9000));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestUriTooLong, "uri-too-long");
    }

    [Fact]
    public async Task Too_large_headers_get_a_431_problem()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/facts");
        request.Headers.TryAddWithoutValidation("X-Padding", new string('a', 40_000));
        using var response = await factory.Anonymous.SendAsync(request);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestHeaderFieldsTooLarge, "headers-too-large");

        var many = new HttpRequestMessage(HttpMethod.Get, "/api/facts");
        for (var i = 0; i < 120; i++)
            many.Headers.TryAddWithoutValidation($"X-H{i}", "1");
        using var tooMany = await factory.Anonymous.SendAsync(many);
        await ProblemAssert.IsProblemAsync(tooMany, HttpStatusCode.RequestHeaderFieldsTooLarge, "headers-too-large");
    }

    [Fact]
    public async Task Swagger_declares_the_headers_and_describes_the_query_parameters()
    {
        using var response = await factory.Anonymous.GetAsync("/swagger/v1/swagger.json");
        var paths = (await response.BodyAsync()).GetProperty("paths");

        var listFacts = paths.GetProperty("/api/facts").GetProperty("get").GetProperty("parameters").EnumerateArray().ToList();
        var verdict = listFacts.Single(p => p.GetProperty("name").GetString() == "verdict");
        Assert.Equal(["consensus", "contested", "settled", "single-source", "unverified"],
            verdict.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
        Assert.False(string.IsNullOrEmpty(verdict.GetProperty("description").GetString()));
        foreach (var name in new[] { "validAt", "knownAt" })
        {
            var parameter = listFacts.Single(p => p.GetProperty("name").GetString() == name);
            Assert.False(string.IsNullOrEmpty(parameter.GetProperty("description").GetString()));
            Assert.True(parameter.TryGetProperty("example", out _), $"{name} has no example");
        }
        var limit = listFacts.Single(p => p.GetProperty("name").GetString() == "limit").GetProperty("schema");
        Assert.Equal(1000, limit.GetProperty("maximum").GetInt32());
        Assert.Contains(listFacts, p => p.GetProperty("name").GetString() == "If-None-Match" && p.GetProperty("in").GetString() == "header");

        var orderBy = paths.GetProperty("/api/sources").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "orderBy");
        Assert.Equal(["id", "reliability"], orderBy.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));

        var after = paths.GetProperty("/api/feed").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "after");
        Assert.True(after.GetProperty("deprecated").GetBoolean());

        var record = paths.GetProperty("/api/facts/{factId}/claims").GetProperty("post").GetProperty("parameters").EnumerateArray()
            .Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("Idempotency-Key", record);
        Assert.Contains("If-Match", record);
    }

    [Fact]
    public async Task A_replayed_idempotent_response_says_so()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync(subject: Scenario.Id("replay"));
        var key = ("Idempotency-Key", Guid.NewGuid().ToString());

        using var first = await factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source), key);
        using var retry = await factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source), key);

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
    }
}
