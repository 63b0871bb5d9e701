using System.Net;
using SCOFacts.Api.Tests.Platform;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>
/// Many writers on one stream: without If-Match nobody sees an error they did not cause and every write is stored
/// once, in one unbroken sequence of versions; with a stale If-Match nothing is written; one Idempotency-Key sent
/// concurrently stores once.
/// </summary>
public sealed class OneFactWritersTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const int Clients = 16;
    private const int ClaimsPerClient = 50;

    [Fact]
    public async Task Sixteen_clients_posting_fifty_claims_each_to_one_fact_all_succeed_and_are_stored_once_in_contiguous_versions()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();

        var perClient = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async client =>
        {
            var answers = new List<(HttpStatusCode Status, string? ClaimId, string Body)>();
            for (var n = 0; n < ClaimsPerClient; n++)
            {
                using var response = await factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims",
                    Scenario.ClaimJson(source, quote: $"more than two decades (client {client}, claim {n})"));
                var body = await response.Content.ReadAsStringAsync();
                answers.Add((response.StatusCode, response.IsSuccessStatusCode ? (await response.BodyAsync()).GetProperty("id").GetString() : null, body));
            }
            return answers;
        }));
        var answers = perClient.SelectMany(a => a).ToList();

        Assert.All(answers, a => Assert.True((int)a.Status is >= 200 and < 300, $"{(int)a.Status}: {a.Body}"));
        var claimIds = answers.Select(a => a.ClaimId!).ToList();
        Assert.Equal(Clients * ClaimsPerClient, claimIds.Distinct().Count());

        await using (var command = factory.DataSource.CreateCommand(
            "select array_agg(version order by version), array_agg(data->>'claimId') filter (where type = 'ClaimRecorded') from mt_events where stream_id = $1"))
        {
            command.Parameters.Add(new() { Value = "fact-" + fact });
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            // The definition is version 1; each claim one more, with no gap and no version twice.
            Assert.Equal(Enumerable.Range(1, Clients * ClaimsPerClient + 1).Select(v => (long)v), reader.GetFieldValue<long[]>(0));
            var stored = reader.GetFieldValue<string[]>(1);
            Assert.Equal(claimIds.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
        }

        using var read = await factory.Anonymous.GetAsync($"/api/facts/{fact}");
        Assert.Equal(Clients * ClaimsPerClient, (await read.BodyAsync()).GetProperty("claimCount").GetInt32());
        Assert.Equal($"\"{Clients * ClaimsPerClient + 1}", read.Headers.ETag!.Tag.Split('.')[0]);
    }

    [Fact]
    public async Task A_stale_If_Match_is_412_and_appends_nothing_while_writers_without_it_go_on()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        await factory.RecordClaimAsync(fact, source);
        var before = await StreamVersionAsync(fact);
        Assert.Equal(2, before);

        // Version 1 is stale: the claim above made it 2. Writers without If-Match run at the same time.
        var stale = Enumerable.Range(0, 4).Select(i => factory.Editor.PostJsonAsync($"/api/facts/{fact}/claims",
            Scenario.ClaimJson(source, quote: $"stale ({i})"), ("If-Match", "\"1\""))).ToList();
        var free = Enumerable.Range(0, 4).Select(i => factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims",
            Scenario.ClaimJson(source, quote: $"free ({i})"))).ToList();
        var staleAnswers = await Task.WhenAll(stale);
        var freeAnswers = await Task.WhenAll(free);
        try
        {
            foreach (var refused in staleAnswers)
            {
                var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.PreconditionFailed, "concurrency-conflict");
                Assert.Equal(1, problem.GetProperty("expectedVersion").GetInt64());
            }
            Assert.All(freeAnswers, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        }
        finally
        {
            foreach (var response in staleAnswers.Concat(freeAnswers))
                response.Dispose();
        }

        Assert.Equal(before + 4, await StreamVersionAsync(fact));
        await using var command = factory.DataSource.CreateCommand(
            "select count(*) from mt_events where stream_id = $1 and data->>'quote' like 'stale%'");
        command.Parameters.Add(new() { Value = "fact-" + fact });
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Concurrent_retries_of_one_key_store_once_and_the_key_with_another_body_is_422()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var key = Guid.NewGuid().ToString();
        var before = await StreamVersionAsync(fact);

        // Retries and other writers interleaved: the retries must wait for one another, not for the lock's other holders.
        var retries = Enumerable.Range(0, 8).Select(_ =>
            factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source, quote: "the retried claim"), ("Idempotency-Key", key))).ToList();
        var others = Enumerable.Range(0, 8).Select(i =>
            factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source, quote: $"another claim ({i})"))).ToList();
        var answers = await Task.WhenAll(retries);
        var otherAnswers = await Task.WhenAll(others);
        try
        {
            Assert.All(answers.Concat(otherAnswers), r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
            var bodies = await Task.WhenAll(answers.Select(r => r.Content.ReadAsStringAsync()));
            Assert.Single(bodies.Distinct());
        }
        finally
        {
            foreach (var response in answers.Concat(otherAnswers))
                response.Dispose();
        }

        using var reused = await factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims",
            Scenario.ClaimJson(source, quote: "a different claim under the same key"), ("Idempotency-Key", key));
        await ProblemAssert.IsProblemAsync(reused, HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");

        Assert.Equal(before + 9, await StreamVersionAsync(fact));
        await using var command = factory.DataSource.CreateCommand(
            "select count(*) from mt_events where stream_id = $1 and headers->>'idempotencyKey' = $2");
        command.Parameters.Add(new() { Value = "fact-" + fact });
        command.Parameters.Add(new() { Value = key });
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Sixteen_editors_rating_one_source_without_If_Match_all_succeed_in_contiguous_versions()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");

        var responses = await Task.WhenAll(Enumerable.Range(0, Clients).Select(i => factory.Editor.PostJsonAsync(
            $"/api/sources/{source}/ratings", $$"""{ "reliability": 0.{{i + 10}}, "reason": "rating {{i}}" }""")));
        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        }
        finally
        {
            foreach (var response in responses)
                response.Dispose();
        }

        await using var command = factory.DataSource.CreateCommand("select array_agg(version order by version) from mt_events where stream_id = $1");
        command.Parameters.Add(new() { Value = "source-" + source });
        Assert.Equal(Enumerable.Range(1, Clients + 1).Select(v => (long)v), (long[])(await command.ExecuteScalarAsync())!);
    }

    private async Task<long> StreamVersionAsync(string fact)
    {
        await using var command = factory.DataSource.CreateCommand("select coalesce(max(version), 0) from mt_events where stream_id = $1");
        command.Parameters.Add(new() { Value = "fact-" + fact });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
