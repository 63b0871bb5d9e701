using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SCOFacts.Api.ReadModels;
using SCOFacts.Api.Storage;
using SCOFacts.Api.Trust;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Trust;

/// <summary>The real host with a daemon taking a few events per batch and a one-second estimation interval while behind.</summary>
public sealed class TrustCatchUpFactory : ApiFactory
{
    /// <summary>Events per daemon batch: small, so a modest backlog is many batches.</summary>
    public const int BatchSize = 3;

    /// <summary>The schedule's interval while behind.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings[$"{TrustScheduleOptions.Section}:{nameof(TrustScheduleOptions.EstimateEveryWhileBehind)}"] = Interval.ToString();
        settings[MartenModule.DaemonBatchSizeSetting] = BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// A trust projection far behind the log estimates when it catches up and at most once per interval on the way, not
/// once per batch, and ends where one estimation over the whole log ends: the same learned weights, and every
/// fact's view reconciled with them.
/// </summary>
public sealed class TrustCatchUpTests(TrustCatchUpFactory factory) : IClassFixture<TrustCatchUpFactory>
{
    private const int Sources = 10;
    private const int Facts = 40;
    private const int ClaimsPerFact = 6;

    [Fact]
    public async Task A_catch_up_over_many_batches_estimates_a_bounded_number_of_times_and_ends_with_the_full_estimate()
    {
        var daemon = factory.Services.GetRequiredService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>();
        var projection = factory.Services.GetRequiredService<TrustProjection>();
        for (var s = 0; s < Sources; s++)
            await PostAsync(factory.Checker, "/api/sources", new { id = Source(s), title = $"Report {s}", publisher = $"Publisher {s}", kind = "news", language = "en" });
        // The first half with the daemon keeping up, so weights are learned and facts reconciled with them...
        for (var f = 0; f < Facts / 2; f++) await FactWithClaimsAsync(f);
        await CaughtUpAsync(TimeSpan.FromSeconds(60));
        Assert.True(projection.Estimations >= 1);

        // ...then the rest, a rating and late claims on earlier facts, written while the daemon is stopped.
        await daemon.PauseAsync();
        for (var f = Facts / 2; f < Facts; f++) await FactWithClaimsAsync(f);
        await PostAsync(factory.Editor, $"/api/sources/{Source(3)}/ratings", new { reliability = 0.9, reason = "audited" });
        for (var f = 0; f < 5; f++)
            await ClaimAsync(f, $"late-{f}", Source(9), "late-figure");
        var behind = await BehindAsync();
        Assert.True(behind >= 40 * BatchSize(), $"only {behind} events behind");

        var estimationsBefore = projection.Estimations;
        var clock = Stopwatch.StartNew();
        await daemon.ResumeAsync();
        await CaughtUpAsync(TimeSpan.FromSeconds(120));
        clock.Stop();
        var estimations = projection.Estimations - estimationsBefore;

        Assert.True(estimations >= 1, "the catch-up never estimated");
        var bound = 2 + (clock.Elapsed / TrustCatchUpFactory.Interval);
        Assert.True(estimations <= bound,
            $"{estimations} estimations over {behind / BatchSize()} batches in {clock.Elapsed.TotalSeconds:0.0} s (at most {bound:0.#} allowed)");

        // One estimation over the whole log, from scratch, finds nothing to change.
        var learned = await LearnedAsync();
        Assert.Equal(Sources, learned.Count);
        var full = await projection.ReestimateAsync(factory.Services.GetRequiredService<NpgsqlDataSource>(), CancellationToken.None);
        Assert.Equal(0, full.SourcesChanged);
        Assert.Equal(0, full.FactsReconciled);
        Assert.Equal(learned, await LearnedAsync());

        // Every view equals a fresh reconciliation with those weights.
        var report = await factory.Services.GetRequiredService<ViewRebuilder>()
            .RebuildAsync(factory.Services.GetRequiredService<FactsProjection>(), replace: false);
        Assert.True(report.Matches, string.Join("; ", report.Differences.Take(5).Select(d => $"{d.Table} {d.Side}: {d.Row}")));
    }

    private static int BatchSize() => TrustCatchUpFactory.BatchSize;

    private static string Source(int s) => $"cu-src-{s}";

    private static string FactId(int f) => $"cu-fact-{f:D2}";

    /// <summary>Six sources per fact; higher-numbered sources are wrong more often, half of them the same wrong way.</summary>
    private async Task FactWithClaimsAsync(int f)
    {
        await PostAsync(factory.Editor, "/api/facts", new { id = FactId(f), subject = FactId(f), property = "motto", valueType = "text", description = $"The motto of {FactId(f)}" });
        for (var k = 0; k < ClaimsPerFact; k++)
        {
            var s = (f + k) % Sources;
            var right = ((s * 7) + (f * 3)) % 10 >= s;
            var text = right ? "right" : s % 2 == 0 ? "wrong-even" : $"wrong-{s}";
            await ClaimAsync(f, $"cu-claim-{f}-{s}", Source(s), text);
        }
    }

    private Task ClaimAsync(int f, string id, string sourceId, string text) =>
        PostAsync(factory.Checker, $"/api/facts/{FactId(f)}/claims",
            new { id, sourceId, value = new { kind = "text", text }, validTime = new { at = "2025" }, quote = $"It is {text}." });

    private static async Task PostAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<long> BehindAsync() =>
        (await AsyncProjections.StatusAsync(factory.DataSource, CancellationToken.None)).Single(p => p.Name == AsyncProjections.TrustName + ":All").EventsBehind;

    private Task CaughtUpAsync(TimeSpan timeout) =>
        Wait.UntilAsync(async () => await BehindAsync() == 0, timeout, "the trust projection has caught up with the log");

    private async Task<List<(string Source, double Reliability, int Support, string? CopyGroup)>> LearnedAsync()
    {
        var rows = new List<(string, double, int, string?)>();
        await using var command = factory.DataSource.CreateCommand(
            "SELECT source_id, reliability, support, copy_group FROM source_trust ORDER BY source_id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add((reader.GetString(0), reader.GetDouble(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        return rows;
    }
}
