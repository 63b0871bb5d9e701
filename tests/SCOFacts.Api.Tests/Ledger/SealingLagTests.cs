using System.Text.Json;
using SCOFacts.Api.Tests.Operations;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Ledger;

/// <summary>
/// The app measuring its sealing lag against an event table of Marten's shape (<c>mt_events</c>: positions in
/// <c>seq_id</c>, recording times in <c>timestamp</c>), made by the test in a schema of its own, sampled every tenth
/// of a second and degraded once the oldest unsealed event is a minute old.
/// </summary>
public sealed class SealingLagFactory : LedgerApiFactory
{
    public const string Schema = "lag_events";

    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Ledger:EventSchema"] = Schema;
        settings["Ledger:LagSampleInterval"] = "00:00:00.1";
        settings["Ledger:SealingLagDegradedAfter"] = "00:01:00";
    }

    protected override async Task OnDatabaseCreatedAsync(TestDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var command = database.DataSource.CreateCommand(
            $"CREATE SCHEMA {Schema}; CREATE TABLE {Schema}.mt_events (seq_id bigint PRIMARY KEY, timestamp timestamptz NOT NULL)");
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>Events in the log but not yet in the ledger show as gauges and, once old, as a Degraded readiness check.</summary>
public sealed class SealingLagTests(SealingLagFactory factory) : IClassFixture<SealingLagFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Unsealed_events_are_counted_aged_and_degrade_readiness_until_they_are_sealed()
    {
        Assert.Equal(("Healthy", "Every event is sealed."), await ReadinessAsync());

        // Ten events recorded an hour ago; the ledger seals the first six.
        await using (var insert = factory.DataSource.CreateCommand(
            $"INSERT INTO {SealingLagFactory.Schema}.mt_events SELECT p, now() - interval '1 hour' FROM generate_series(1, 10) AS p"))
            await insert.ExecuteNonQueryAsync();
        await factory.SealAsync(Enumerable.Range(1, 6).Select(p => LedgerApiFactory.Entry(p, "fact-lag")).ToList());

        var (status, description) = await ReadinessAsync();
        Assert.Equal("Degraded", status);
        Assert.StartsWith("4 event(s) not yet sealed, the oldest recorded 36", description, StringComparison.Ordinal);
        string scrape = "";
        await Wait.UntilAsync(async () => Prometheus.Sum(scrape = await Prometheus.ScrapeAsync(factory.Http), "scofacts_ledger_sealing_lag_events") == 4,
            Patience, "the gauge counts the four unsealed events");
        Assert.InRange(Prometheus.Sum(scrape, "scofacts_ledger_sealing_lag_seconds") ?? 0, 3590, 3700);

        await factory.SealAsync(Enumerable.Range(7, 4).Select(p => LedgerApiFactory.Entry(p, "fact-lag")).ToList());
        Assert.Equal(("Healthy", "Every event is sealed."), await ReadinessAsync());
        await Wait.UntilAsync(async () => Prometheus.Sum(scrape = await Prometheus.ScrapeAsync(factory.Http), "scofacts_ledger_sealing_lag_events") == 0,
            Patience, "the gauge shows nothing left to seal");
        Assert.Equal(0, Prometheus.Sum(scrape, "scofacts_ledger_sealing_lag_seconds"));

        // A fresh event is lag, but not yet a degradation.
        await using (var insert = factory.DataSource.CreateCommand($"INSERT INTO {SealingLagFactory.Schema}.mt_events VALUES (11, now())"))
            await insert.ExecuteNonQueryAsync();
        (status, description) = await ReadinessAsync();
        Assert.Equal("Healthy", status);
        Assert.StartsWith("1 event(s) not yet sealed", description, StringComparison.Ordinal);

        // Marten stamps the tombstones of a failed commit with -infinity: counted, never aged, never breaking the sampler.
        await using (var insert = factory.DataSource.CreateCommand($"INSERT INTO {SealingLagFactory.Schema}.mt_events VALUES (12, '-infinity')"))
            await insert.ExecuteNonQueryAsync();
        (status, description) = await ReadinessAsync();
        Assert.Equal("Healthy", status);
        Assert.StartsWith("2 event(s) not yet sealed", description, StringComparison.Ordinal);
        await Wait.UntilAsync(async () => Prometheus.Sum(scrape = await Prometheus.ScrapeAsync(factory.Http), "scofacts_ledger_sealing_lag_events") == 2,
            Patience, "the gauge counts the tombstone too");
        Assert.InRange(Prometheus.Sum(scrape, "scofacts_ledger_sealing_lag_seconds") ?? -1, 0, 60);
    }

    private async Task<(string Status, string Description)> ReadinessAsync()
    {
        using var response = await factory.Http.GetAsync(new Uri("health/ready", UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var check = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "ledger-sealing");
        return (check.GetProperty("status").GetString()!, check.GetProperty("description").GetString() ?? "");
    }
}
