using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
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
/// A key left 'running' by a request whose database went away (its release failed) does not block the retry: the
/// process that claimed it takes it over at once, another process only once the lease has lapsed.
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
    public async Task A_retry_takes_over_at_once_a_key_its_own_process_no_longer_runs_and_waits_for_anothers_lease()
    {
        var owner = await OwnerOfThisProcessAsync();
        await LeaveRunningAsync("orphan-here", owner, TimeSpan.FromMinutes(2));
        await LeaveRunningAsync("running-elsewhere", "another-process", TimeSpan.FromMinutes(2));
        await LeaveRunningAsync("lapsed-elsewhere", "another-process", TimeSpan.FromSeconds(-1));

        using var here = await factory.Checker.SendAsync(Post("orphan-here"));
        using var elsewhere = await factory.Checker.SendAsync(Post("running-elsewhere"));
        using var lapsed = await factory.Checker.SendAsync(Post("lapsed-elsewhere"));

        Assert.Equal(HttpStatusCode.Created, here.StatusCode);
        await ProblemAssert.IsProblemAsync(elsewhere, HttpStatusCode.Conflict, "idempotency-in-progress");
        Assert.Equal(HttpStatusCode.Created, lapsed.StatusCode);
        // "held", "orphan-here" and "lapsed-elsewhere" ran, each once.
        Assert.Equal(3, await factory.CountSideEffectsAsync());
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
