extern alias api;

using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SCOFacts.Benchmarks.Quality;
using SCOFacts.Domain.Trust;
using SCOFacts.Domain.Values;
using Marten;
using ImportItem = api::SCOFacts.Api.Seeding.ImportItem;
using SeedClaim = api::SCOFacts.Api.Seeding.SeedClaim;
using SeedFact = api::SCOFacts.Api.Seeding.SeedFact;
using SeedLoader = api::SCOFacts.Api.Seeding.SeedLoader;
using SeedSource = api::SCOFacts.Api.Seeding.SeedSource;
using TrustProjection = api::SCOFacts.Api.Trust.TrustProjection;

namespace SCOFacts.Benchmarks.TrustBench;

/// <summary>
/// Learned trust at scale, on the real host: the quality benchmark's data set A (50,000 claims) is imported through
/// the import path with the projection daemon stopped, so the trust projection starts the whole import behind (the
/// hardest case: it meets every batch of the backlog); then the time it takes to catch up once the daemon runs again,
/// and the time of a forced full estimation on the caught-up store. Both are set against the
/// bare estimator on the same claims (read back from the projection's own inputs), in-process, in the same run.
/// Targets: catch-up within 120 s, a forced estimation within 5 s.
/// </summary>
internal static class TrustScaleBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(bool quick, int? claimLimit)
    {
#if DEBUG
        Console.WriteLine("WARNING: a Debug build; run with -c Release for numbers worth keeping.");
#endif
        var wanted = claimLimit ?? (quick ? 2_500 : 50_000);
        var data = new QualityDataGenerator().Generate();
        var claims = data.Claims.Take(wanted).ToList();
        var items = Items(claims);

        // The host runs no daemon: the import leaves the trust projection a backlog, and a daemon is started below.
        await using var host = await BenchHost.StartAsync("bench_trust", serve: false,
            settings: new Dictionary<string, string?> { ["Events:AsyncDaemon"] = "false" });
        var services = host.Services;
        var projection = services.GetRequiredService<TrustProjection>();
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();

        Console.WriteLine(string.Create(Inv,
            $"Trust at scale: {claims.Count:N0} claims on {items.Count(i => i.Fact is not null):N0} facts from {items.Count(i => i.Source is not null):N0} sources (data set A), imported with the daemon stopped"));
        var loader = services.GetRequiredService<SeedLoader>();
        var import = Stopwatch.StartNew();
        var progress = new api::SCOFacts.Api.Cli.CliProgress(line => Console.WriteLine($"  {line}"), "import", items.Count, "items");
        var summary = await loader.ImportAsync(items, "bench", "bench", progress, CancellationToken.None);
        progress.Finish(items.Count);
        import.Stop();
        if (!summary.Clean) throw new InvalidOperationException($"The import was not clean: {summary}");
        var estimationsBefore = projection.Estimations;
        var backlog = (await TrustStatusAsync(dataSource)).EventsBehind;

        // One daemon, started here over the backlog the import left.
        var catchUp = Stopwatch.StartNew();
        using var daemon = await services.GetRequiredService<IDocumentStore>().BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        while ((await TrustStatusAsync(dataSource)).EventsBehind > 0)
            await Task.Delay(100);
        catchUp.Stop();
        await daemon.StopAllAsync();
        var estimationsDuringCatchUp = projection.Estimations - estimationsBefore;

        var forced = new List<(double Seconds, api::SCOFacts.Api.Trust.TrustRun Run)>();
        for (var i = 0; i < 3; i++)
        {
            var began = Stopwatch.GetTimestamp();
            var run = await projection.ReestimateAsync(dataSource, CancellationToken.None);
            forced.Add((Stopwatch.GetElapsedTime(began).TotalSeconds, run));
        }

        // The baseline: the same inputs, read in one query each, and the estimator alone, cold (as a forced estimation is).
        var read = Stopwatch.StartNew();
        var (inputs, priors) = await InputsAsync(dataSource);
        read.Stop();
        var bare = Stopwatch.StartNew();
        var estimate = TrustEstimator.Estimate(inputs, priors, TrustProjection.Options);
        bare.Stop();

        var forcedSorted = forced.Select(f => f.Seconds).Order().ToList();
        var median = forcedSorted[forcedSorted.Count / 2];
        var baseline = read.Elapsed.TotalSeconds + bare.Elapsed.TotalSeconds;
        Console.WriteLine();
        Console.WriteLine("## Trust at scale benchmark");
        Console.WriteLine();
        Console.WriteLine("| # | Workload | Measured | Same-run baseline | Ratio | Target |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(Inv,
            $"| T1 | Import of {claims.Count:N0} claims ({items.Count:N0} items, one command each) with the daemon stopped | {import.Elapsed.TotalSeconds:N0} s ({items.Count / import.Elapsed.TotalSeconds:N0} items/s) | - | - | - |"));
        Console.WriteLine(string.Create(Inv,
            $"| T2 | Trust projection catch-up over the import's {backlog:N0} events once the daemon runs again | {catchUp.Elapsed.TotalSeconds:N1} s ({estimationsDuringCatchUp} estimations) | bare estimator {bare.Elapsed.TotalSeconds:N1} s | {catchUp.Elapsed.TotalSeconds / bare.Elapsed.TotalSeconds:N1}x | <= 120 s |"));
        Console.WriteLine(string.Create(Inv,
            $"| T3 | Forced full estimation on the caught-up store (median of 3: {string.Join(" / ", forced.Select(f => f.Seconds.ToString("N1", Inv)))} s) | {median:N1} s | inputs read {read.Elapsed.TotalSeconds:N2} s + bare estimator {bare.Elapsed.TotalSeconds:N2} s = {baseline:N1} s | {median / baseline:N1}x | <= 5 s |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(Inv,
            $"Estimated over {estimate.Claims.Count:N0} claims and {estimate.Sources.Count:N0} sources in {estimate.Iterations} rounds; the forced runs changed {string.Join(" / ", forced.Select(f => f.Run.SourcesChanged))} sources and reconciled {string.Join(" / ", forced.Select(f => f.Run.FactsReconciled))} facts again."));
        return catchUp.Elapsed.TotalSeconds <= 120 && median <= 5 ? 0 : 1;
    }

    /// <summary>The import file's items: every source, then every fact, then every claim, as a newsroom would send them.</summary>
    private static List<ImportItem> Items(List<TrustClaim> claims)
    {
        var items = new List<ImportItem>();
        var line = 0;
        foreach (var source in claims.GroupBy(c => c.SourceId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            items.Add(new ImportItem(++line, new SeedSource(source.Key, $"Report {source.Key}", source.First().Voice, null, null, null, "news", "en",
                null, null, null), null, null, null));
        }
        foreach (var fact in claims.GroupBy(c => c.ObjectId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var categorical = fact.First().Value.IsCategorical;
            items.Add(new ImportItem(++line, null, new SeedFact(fact.Key, fact.Key, "value", null, categorical ? "text" : "quantity",
                categorical ? null : ReconcilerResolver.Unit, null, $"The value of {fact.Key}"), null, null));
        }
        var validTime = ValidTime.Instant(PartialDate.OfYear(2025));
        foreach (var claim in claims)
        {
            items.Add(new ImportItem(++line, null, null, new SeedClaim(claim.ClaimId, claim.ObjectId, claim.SourceId,
                ReconcilerResolver.Written(claim.Value), validTime, $"As {claim.SourceId} reports it.", null, null), null));
        }
        return items;
    }

    private static async Task<(List<TrustClaim> Claims, List<SourcePrior> Priors)> InputsAsync(NpgsqlDataSource dataSource)
    {
        var claims = new List<TrustClaim>();
        await using (var command = dataSource.CreateCommand(
            "SELECT claim_id, object_id, source_id, voice, value_lower, value_upper, lower_closed, upper_closed, value_key, upheld " +
            "FROM trust_claims WHERE active OR upheld"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var value = reader.IsDBNull(8)
                    ? TrustValue.Numeric(new Interval(reader.GetDouble(4), reader.GetDouble(5), reader.GetBoolean(6), reader.GetBoolean(7)))
                    : TrustValue.Category(reader.GetString(8));
                claims.Add(new TrustClaim(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), value, reader.GetBoolean(9)));
            }
        }
        var priors = new List<SourcePrior>();
        await using (var command = dataSource.CreateCommand("SELECT source_id, rated FROM trust_sources WHERE rated IS NOT NULL"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) priors.Add(new SourcePrior(reader.GetString(0), reader.GetDouble(1)));
        }
        return (claims, priors);
    }

    /// <summary>How far the trust projection has got.</summary>
    private static async Task<api::SCOFacts.Api.Storage.ProjectionStatus> TrustStatusAsync(NpgsqlDataSource dataSource) =>
        (await api::SCOFacts.Api.Storage.AsyncProjections.StatusAsync(dataSource, CancellationToken.None))
            .Single(p => p.Name == api::SCOFacts.Api.Storage.AsyncProjections.TrustName + ":All");
}
