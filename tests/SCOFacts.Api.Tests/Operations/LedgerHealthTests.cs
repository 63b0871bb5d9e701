using System.Text.Json;
using SCOFacts.Testing;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.Operations;

/// <summary>The app verifying its log in the background every fifth of a second.</summary>
public sealed class EagerVerifierFactory : ApiFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Audit:VerifyInterval"] = "00:00:00.2";
    }
}

/// <summary>A log altered behind the API's back turns /health/ready Unhealthy, naming the altered event.</summary>
public sealed class LedgerHealthTests(EagerVerifierFactory factory) : IClassFixture<EagerVerifierFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Ready_turns_unhealthy_when_the_background_verification_finds_a_tampered_event()
    {
        await RegisterSourceAsync(factory, "lh-wire", "Wire");
        await DefineQuantityAsync(factory, "lh.share", "percent");
        await RecordAsync(factory.Checker, "lh.share", "lh-1", "lh-wire", Quantity("44", "percent"), At("2025"));
        await RecordAsync(factory.Checker, "lh.share", "lh-2", "lh-wire", Quantity("45", "percent"), At("2024"));

        await Wait.UntilAsync(async () => (await LedgerAsync()) is ("Healthy", 200, var d) && d.StartsWith("4 events", StringComparison.Ordinal),
            Patience, "a background verification has seen the four events and found them whole");

        var target = await ScalarAsync(factory, "SELECT global_position FROM events WHERE stream_id = 'fact-lh.share' AND stream_version = 2");
        await TamperAsync(factory, $"UPDATE events SET data = jsonb_set(data, '{{quote}}', '\"Forged words.\"') WHERE global_position = {target}");

        (string Status, int Http, string Description) seen = default;
        await Wait.UntilAsync(async () => (seen = await LedgerAsync()).Status == "Unhealthy", Patience, "the ledger check reports the tampering");
        Assert.Equal(503, seen.Http);
        Assert.Contains("stream fact-lh.share version 2", seen.Description, StringComparison.Ordinal);
    }

    private async Task<(string Status, int Http, string Description)> LedgerAsync()
    {
        using var response = await factory.Anonymous.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var ledger = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "ledger");
        return (ledger.GetProperty("status").GetString()!, (int)response.StatusCode, ledger.GetProperty("description").GetString() ?? "");
    }
}
