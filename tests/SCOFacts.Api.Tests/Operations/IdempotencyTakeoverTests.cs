using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using SCOFacts.Api.Tests.Platform;

namespace SCOFacts.Api.Tests.Operations;

/// <summary>The platform with a retry that gives up after two seconds, so that a key held by a live lease shows as 409 quickly.</summary>
public sealed class TakeoverFactory : PlatformFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Idempotency:WaitTimeout"] = "00:00:02";
    }
}

/// <summary>
/// A key left 'running' by a request whose database went away (its release failed), or whose process died, does not
/// block the retry: the process that claimed it takes it over at once, and so does any other once the owner's
/// liveness lock is gone (its connection closed) or its lease has lapsed; a key whose owner still lives is waited for.
/// </summary>
public sealed class IdempotencyTakeoverTests(TakeoverFactory factory) : IClassFixture<TakeoverFactory>
{
    private const string Principal = "checker:test-checker";
    private const string Body = """{"note":"orphaned"}""";

    private static HttpRequestMessage Post(string key) => new(HttpMethod.Post, "/test/writes")
    {
        Content = new StringContent(Body, Encoding.UTF8, "application/json"),
        Headers = { { "Idempotency-Key", key } },
    };

    [Fact]
    public async Task A_retry_takes_over_at_once_a_key_its_own_process_no_longer_runs_and_waits_for_a_live_owners_lease()
    {
        var before = await factory.CountSideEffectsAsync();
        var owner = await OwnerOfThisProcessAsync();
        await LeaveRunningAsync("orphan-here", owner, TimeSpan.FromMinutes(2));
        await LeaveRunningAsync("running-elsewhere", "live-process", TimeSpan.FromMinutes(2));
        await LeaveRunningAsync("lapsed-elsewhere", "live-process", TimeSpan.FromSeconds(-1));
        await using var live = await HoldLivenessAsync("live-process");

        using var here = await factory.Checker.SendAsync(Post("orphan-here"));
        using var elsewhere = await factory.Checker.SendAsync(Post("running-elsewhere"));
        using var lapsed = await factory.Checker.SendAsync(Post("lapsed-elsewhere"));

        Assert.Equal(HttpStatusCode.Created, here.StatusCode);
        await ProblemAssert.IsProblemAsync(elsewhere, HttpStatusCode.Conflict, "idempotency-in-progress");
        Assert.Equal(HttpStatusCode.Created, lapsed.StatusCode);
        // "held", "orphan-here" and "lapsed-elsewhere" ran, each once.
        Assert.Equal(before + 3, await factory.CountSideEffectsAsync());
    }

    [Fact]
    public async Task A_key_whose_owner_process_died_is_taken_over_at_once_though_its_lease_runs_for_minutes()
    {
        var before = await factory.CountSideEffectsAsync();
        await LeaveRunningAsync("crashed-owner", "crashed-process", TimeSpan.FromMinutes(2));
        var owner = await HoldLivenessAsync("crashed-process");

        // While the owner lives its key is waited for...
        using (var waited = await factory.Checker.SendAsync(Post("crashed-owner")))
            await ProblemAssert.IsProblemAsync(waited, HttpStatusCode.Conflict, "idempotency-in-progress");

        // ...and once its connection is gone (what a killed process leaves), the retry runs at once.
        await owner.DisposeAsync();
        var started = Stopwatch.StartNew();
        using var retry = await factory.Checker.SendAsync(Post("crashed-owner"));
        var waitedFor = started.Elapsed;

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.True(waitedFor < TimeSpan.FromSeconds(1), $"the retry took {waitedFor.TotalMilliseconds:F0} ms");
        Assert.Equal(before + 1, await factory.CountSideEffectsAsync());

        using var replay = await factory.Checker.SendAsync(Post("crashed-owner"));
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.True(replay.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(before + 1, await factory.CountSideEffectsAsync());
    }

    // What a live API process holds on a connection of its own: the advisory lock named after it. Not pooled, so that
    // disposing it closes the session, as a killed process's operating system closes its sockets.
    private async Task<NpgsqlConnection> HoldLivenessAsync(string owner)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(factory.Database.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select pg_advisory_lock($1, hashtext($2))", connection);
        command.Parameters.Add(new() { Value = 0x5C0FAC11 });
        command.Parameters.Add(new() { Value = owner });
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    // A held request's row names this process: the owner every later claim from here writes too.
    private async Task<string> OwnerOfThisProcessAsync()
    {
        var held = factory.Checker.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/test/slow-writes")
        {
            Content = JsonContent.Create(new TestWrite("held")),
            Headers = { { "Idempotency-Key", "held" } },
        });
        await factory.Gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await using var command = factory.DataSource.CreateCommand("select owner from idempotency_requests where idempotency_key = 'held'");
        var owner = (string)(await command.ExecuteScalarAsync())!;
        factory.Gate.Release.SetResult();
        using var response = await held;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return owner;
    }

    // What a request leaves behind when the database goes away under it: its row still 'running', its lease live.
    private async Task LeaveRunningAsync(string key, string owner, TimeSpan lease)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("POST\n/test/writes\n" + Body));
        await using var command = factory.DataSource.CreateCommand(
            """
            insert into idempotency_requests (principal, idempotency_key, request_hash, state, lease_until, expires_at, owner)
            values ($1, $2, $3, 'running', clock_timestamp() + $4, clock_timestamp() + interval '1 day', $5)
            """);
        command.Parameters.Add(new() { Value = Principal });
        command.Parameters.Add(new() { Value = key });
        command.Parameters.Add(new() { Value = hash });
        command.Parameters.Add(new() { Value = lease });
        command.Parameters.Add(new() { Value = owner });
        await command.ExecuteNonQueryAsync();
    }
}
