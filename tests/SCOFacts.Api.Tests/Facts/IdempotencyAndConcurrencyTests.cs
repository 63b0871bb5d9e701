using System.Net;
using SCOFacts.Api.Tests.Platform;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>Retries store nothing twice; racing writers with one If-Match are told which of them lost.</summary>
public sealed class IdempotencyAndConcurrencyTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Ten_concurrent_claims_with_one_key_store_one_event_and_get_one_answer()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var key = Guid.NewGuid().ToString();
        var before = await factory.CountEventsAsync();

        // No claim id in the body: a request that ran twice would mint two claims.
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source), ("Idempotency-Key", key))));
        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
            var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
            Assert.Single(bodies.Distinct());
            Assert.Single(responses.Select(r => r.Headers.Location).Distinct());
            Assert.Single(responses.Select(r => r.Headers.ETag?.Tag).Distinct());
            Assert.Equal(before + 1, await factory.CountEventsAsync());
            Assert.Equal(key, await IdempotencyKeyOfLastEventAsync(fact));
        }
        finally
        {
            foreach (var response in responses)
                response.Dispose();
        }

        using var read = await factory.Anonymous.GetAsync($"/api/facts/{fact}");
        Assert.Equal(1, (await read.BodyAsync()).GetProperty("claimCount").GetInt32());
    }

    [Fact]
    public async Task A_retried_source_registration_replays_the_original_answer()
    {
        var key = Guid.NewGuid().ToString();
        var body = Scenario.SourceJson(Scenario.Id("xinhua"), "Xinhua");

        using var first = await factory.Checker.PostJsonAsync("/api/sources", body, ("Idempotency-Key", key));
        var afterFirst = await factory.CountEventsAsync();
        using var retry = await factory.Checker.PostJsonAsync("/api/sources", body, ("Idempotency-Key", key));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(afterFirst, await factory.CountEventsAsync());
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422_and_stores_nothing()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var key = Guid.NewGuid().ToString();
        using var first = await factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source), ("Idempotency-Key", key));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var before = await factory.CountEventsAsync();

        using var other = await factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims",
            Scenario.ClaimJson(source, Scenario.AboutTenYears), ("Idempotency-Key", key));

        await ProblemAssert.IsProblemAsync(other, HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    [Fact]
    public async Task Two_writers_with_the_same_If_Match_one_wins_one_gets_412()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        using var read = await factory.Anonymous.GetAsync($"/api/facts/{fact}");
        var etag = read.Headers.ETag!.Tag;
        Assert.StartsWith("\"1.", etag);
        var before = await factory.CountEventsAsync();

        var responses = await Task.WhenAll(
            factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source), ("If-Match", etag)),
            factory.Editor.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source, Scenario.AboutTenYears), ("If-Match", etag)));
        try
        {
            var winner = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
            var loser = Assert.Single(responses, r => r.StatusCode != HttpStatusCode.Created);
            Assert.Equal("\"2\"", winner.Headers.ETag?.Tag);
            var problem = await ProblemAssert.IsProblemAsync(loser, HttpStatusCode.PreconditionFailed, "concurrency-conflict");
            Assert.Equal(1, problem.GetProperty("expectedVersion").GetInt64());
            Assert.Equal(before + 1, await factory.CountEventsAsync());
        }
        finally
        {
            foreach (var response in responses)
                response.Dispose();
        }
    }

    [Fact]
    public async Task Two_endorsements_with_the_same_If_Match_one_wins_one_gets_412()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var claim = await factory.RecordClaimAsync(fact, source);
        var before = await factory.CountEventsAsync();

        var responses = await Task.WhenAll(
            factory.Checker.PostJsonAsync($"/api/claims/{claim}/endorsements", """{ "note": "checked" }""", ("If-Match", "\"2\"")),
            factory.Editor.PostJsonAsync($"/api/claims/{claim}/endorsements", """{ "note": "checked too" }""", ("If-Match", "\"2\"")));
        try
        {
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            await ProblemAssert.IsProblemAsync(Assert.Single(responses, r => r.StatusCode != HttpStatusCode.OK),
                HttpStatusCode.PreconditionFailed, "concurrency-conflict");
            Assert.Equal(before + 1, await factory.CountEventsAsync());
        }
        finally
        {
            foreach (var response in responses)
                response.Dispose();
        }
    }

    [Fact]
    public async Task Concurrent_writers_without_If_Match_all_succeed_with_no_gap_in_the_stream()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();

        // Five: each lost race is retried on fresh state, up to five attempts, so five writers always get through.
        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source, quote: $"more than two decades ({i})"))));
        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
            var claims = await Task.WhenAll(responses.Select(async r => (await r.BodyAsync()).GetProperty("id").GetString()));
            Assert.Equal(5, claims.Distinct().Count());
        }
        finally
        {
            foreach (var response in responses)
                response.Dispose();
        }

        await using var command = factory.DataSource.CreateCommand("select array_agg(version order by version) from mt_events where stream_id = $1");
        command.Parameters.Add(new() { Value = "fact-" + fact });
        Assert.Equal(Enumerable.Range(1, 6).Select(v => (long)v), (long[])(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task One_new_claim_id_sent_to_several_facts_at_once_is_taken_once_and_refused_409_elsewhere()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var facts = new List<string>();
        for (var i = 0; i < 6; i++)
            facts.Add(await factory.DefineQuantityFactAsync());
        var claimId = Scenario.Id("clm");
        var before = await factory.CountEventsAsync();

        var responses = await Task.WhenAll(facts.Select(fact =>
            factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source, id: claimId))));
        try
        {
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
            foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            {
                var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Conflict, "conflict");
                Assert.Equal("claim-exists", problem.GetProperty("code").GetString());
            }
            Assert.Equal(before + 1, await factory.CountEventsAsync());
        }
        finally
        {
            foreach (var response in responses)
                response.Dispose();
        }
    }

    private async Task<string?> IdempotencyKeyOfLastEventAsync(string fact)
    {
        await using var command = factory.DataSource.CreateCommand(
            "select headers->>'idempotencyKey' from mt_events where stream_id = $1 order by version desc limit 1");
        command.Parameters.Add(new() { Value = "fact-" + fact });
        return (string?)await command.ExecuteScalarAsync();
    }
}
