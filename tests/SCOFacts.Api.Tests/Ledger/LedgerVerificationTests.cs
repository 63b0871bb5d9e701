using System.Net;
using System.Text.Json;
using SCOFacts.Api.Tests.Facts;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Ledger;

/// <summary>The API with the ledger verified in the background every 200 ms, on a database of its own (the test tampers with it).</summary>
public sealed class LedgerVerificationFactory : ApiFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Ledger:VerifyInterval"] = "00:00:00.2";
    }
}

/// <summary>A log changed behind the API's back turns readiness Unhealthy, naming what the verification found.</summary>
public sealed class LedgerVerificationTests(LedgerVerificationFactory factory) : IClassFixture<LedgerVerificationFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_sealed_event_changed_in_the_database_turns_readiness_unhealthy()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        await factory.RecordClaimAsync(fact, source);

        // Every event sealed and verified first: the check is healthy and covers them all.
        await Wait.UntilAsync(async () =>
        {
            await using var count = factory.DataSource.CreateCommand("SELECT count(*) FROM mt_events");
            var events = (long)(await count.ExecuteScalarAsync())!;
            var (code, status, description) = await VerificationAsync();
            return code == HttpStatusCode.OK && status == "Healthy"
                && description.StartsWith($"The ledger verified: {events} leaves", StringComparison.Ordinal);
        }, Patience, "the ledger verifies with every event sealed");

        // What someone with the database's superuser could do: switch the append-only trigger off and edit a quote.
        await using (var tamper = factory.DataSource.CreateCommand(
            "SET session_replication_role = replica; " +
            $"UPDATE mt_events SET data = jsonb_set(data, '{{quote}}', '\"edited\"') WHERE stream_id = 'fact-{fact}' AND type = 'ClaimRecorded'; " +
            "SET session_replication_role = origin;"))
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync());

        var found = (HttpStatusCode.OK, "", "");
        await Wait.UntilAsync(async () => (found = await VerificationAsync()).Item2 == "Unhealthy", Patience, "readiness reports the broken ledger");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, found.Item1);
        Assert.Contains("does not verify", found.Item3, StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Code, string Status, string Description)> VerificationAsync()
    {
        using var response = await factory.Anonymous.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var check = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "ledger-verification");
        return (response.StatusCode, check.GetProperty("status").GetString()!, check.GetProperty("description").GetString()!);
    }
}
