using System.Net;
using System.Net.Http.Json;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Platform;

public sealed class IdempotencyTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private static HttpRequestMessage Post(string path, string key, string note) =>
        new(HttpMethod.Post, path) { Content = JsonContent.Create(new TestWrite(note)), Headers = { { "Idempotency-Key", key } } };

    [Fact]
    public async Task A_retry_replays_the_original_response_and_runs_nothing_twice()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await factory.Checker.SendAsync(Post("/test/writes", key, "replay"));
        using var retry = await factory.Checker.SendAsync(Post("/test/writes", key, "replay"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(first.Headers.ETag, retry.Headers.ETag);
        Assert.Equal(first.Content.Headers.ContentType, retry.Content.Headers.ContentType);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await CountAsync(key));
        Assert.Equal(key, (await first.Content.ReadFromJsonAsync<TestWritten>())!.IdempotencyKey);
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422_problem()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await factory.Checker.SendAsync(Post("/test/writes", key, "one body"));
        using var other = await factory.Checker.SendAsync(Post("/test/writes", key, "another body"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await ProblemAssert.IsProblemAsync(other, HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        Assert.Equal(1, await CountAsync(key));
    }

    [Fact]
    public async Task Keys_are_scoped_per_principal()
    {
        var key = Guid.NewGuid().ToString();
        using var checker = await factory.Checker.SendAsync(Post("/test/writes", key, "scoped"));
        using var editor = await factory.Editor.SendAsync(Post("/test/writes", key, "scoped"));

        Assert.Equal(HttpStatusCode.Created, checker.StatusCode);
        Assert.Equal(HttpStatusCode.Created, editor.StatusCode);
        Assert.False(editor.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, await CountAsync(key));
    }

    [Fact]
    public async Task Client_errors_are_replayed_but_server_errors_release_the_key()
    {
        var key = Guid.NewGuid().ToString();
        using var failed = await factory.Checker.SendAsync(Post("/test/failures", key, "fails"));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        await using (var command = factory.DataSource.CreateCommand("select count(*) from idempotency_requests where idempotency_key = $1"))
        {
            command.Parameters.Add(new() { Value = key });
            Assert.Equal(0L, await command.ExecuteScalarAsync());
        }

        var stale = Guid.NewGuid().ToString();
        using var first = new HttpRequestMessage(HttpMethod.Post, "/test/versioned") { Headers = { { "Idempotency-Key", stale }, { "If-Match", "\"6\"" } } };
        using var second = new HttpRequestMessage(HttpMethod.Post, "/test/versioned") { Headers = { { "Idempotency-Key", stale }, { "If-Match", "\"6\"" } } };
        using var original = await factory.Checker.SendAsync(first);
        using var replayed = await factory.Checker.SendAsync(second);
        Assert.Equal(HttpStatusCode.PreconditionFailed, original.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, replayed.StatusCode);
        Assert.True(replayed.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task Ten_concurrent_requests_with_one_key_run_once_and_all_get_its_response()
    {
        var key = Guid.NewGuid().ToString();
        var requests = Enumerable.Range(0, 10)
            .Select(_ => factory.Checker.SendAsync(Post("/test/slow-writes", key, "concurrent")))
            .ToList();

        // Hold the first execution until all ten requests are in the server, so the other nine meet it running.
        await factory.Gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Wait.UntilAsync(() => factory.Gate.Arrived >= 10, TimeSpan.FromSeconds(30), "all ten requests have arrived");
        factory.Gate.Release.SetResult();
        var responses = await Task.WhenAll(requests);

        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
            var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
            Assert.Single(bodies.Distinct());
            Assert.Equal(9, responses.Count(r => r.Headers.Contains("Idempotent-Replayed")));
            Assert.Equal(1, await CountAsync(key));
        }
        finally
        {
            foreach (var response in responses)
                response.Dispose();
        }
    }

    [Fact]
    public async Task Event_metadata_carries_the_principal_the_correlation_id_and_the_key()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/test/metadata") { Headers = { { "Idempotency-Key", "meta-1" }, { "X-Correlation-Id", "corr-42" } } };
        using var response = await factory.Editor.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var metadata = await response.Content.ReadFromJsonAsync<SCOFacts.EventStore.EventMetadata>();
        Assert.Equal("editor:test-editor", metadata!.Principal);
        Assert.Equal("corr-42", metadata.CorrelationId);
        Assert.Equal("meta-1", metadata.IdempotencyKey);
        Assert.Equal("testing", metadata.Reason);
    }

    [Fact]
    public async Task A_malformed_key_is_400_problem()
    {
        using var request = Post("/test/writes", "has space", "bad key");
        using var response = await factory.Checker.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed-request");
    }

    private async Task<long> CountAsync(string key)
    {
        await using var command = factory.DataSource.CreateCommand("select count(*) from test_side_effects where idempotency_key = $1");
        command.Parameters.Add(new() { Value = key });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>The platform with a retry that waits only briefly for the first request.</summary>
public sealed class ImpatientFactory : PlatformFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Idempotency:WaitTimeout"] = "00:00:00.200";
    }
}

public sealed class IdempotencyInProgressTests(ImpatientFactory factory) : IClassFixture<ImpatientFactory>
{
    private static HttpRequestMessage Post(string key) =>
        new(HttpMethod.Post, "/test/slow-writes") { Content = JsonContent.Create(new TestWrite("held")), Headers = { { "Idempotency-Key", key } } };

    [Fact]
    public async Task A_retry_that_outwaits_its_timeout_gets_409_and_a_later_retry_the_result()
    {
        var key = Guid.NewGuid().ToString();
        var first = factory.Checker.SendAsync(Post(key));
        await factory.Gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The first request is held inside its handler for as long as this takes.
        using var impatient = await factory.Checker.SendAsync(Post(key));
        await ProblemAssert.IsProblemAsync(impatient, HttpStatusCode.Conflict, "idempotency-in-progress");

        factory.Gate.Release.SetResult();
        using var original = await first;
        using var later = await factory.Checker.SendAsync(Post(key));
        Assert.Equal(HttpStatusCode.Created, original.StatusCode);
        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
        Assert.Equal(await original.Content.ReadAsStringAsync(), await later.Content.ReadAsStringAsync());
        Assert.Equal(1, await factory.CountSideEffectsAsync());
    }
}
