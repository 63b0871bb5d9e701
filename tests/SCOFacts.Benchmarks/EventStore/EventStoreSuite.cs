extern alias api;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Npgsql;
using SCOFacts.EventStore;
using SCOFacts.EventStore.Hosting;
using SCOFacts.EventStore.Migrations;
using Marten;
using MartenSetup = api::SCOFacts.Api.Storage.ScoFactsMarten;

namespace SCOFacts.Benchmarks.EventStoreBench;

/// <summary>
/// Appends through Marten's append path (as <c>ScoFactsMarten</c> configures it) against a raw single-row INSERT of
/// the same events measured in the same run, on a fresh throwaway cluster with fsync on. Every segment runs a fixed
/// amount of work; each row runs five rounds, baseline and Marten interleaved, and reports the median round.
/// </summary>
internal static class EventStoreSuite
{
    private const int Rounds = 5;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(bool quick)
    {
#if DEBUG
        Console.WriteLine("WARNING: a Debug build; run with -c Release for numbers worth keeping.");
#endif
        ThreadPool.SetMinThreads(Math.Max(32, Environment.ProcessorCount), Math.Max(32, Environment.ProcessorCount));
        var scale = quick ? 20 : 1;
        var total = Stopwatch.StartNew();
        Console.WriteLine($"SCOFacts appends on Marten{(quick ? " (--quick: workloads scaled down 20x, a smoke run)" : "")}");

        await using var cluster = LocalPostgresCluster.CreateThrowaway(new LocalPostgresClusterOptions { Fsync = true });
        await cluster.StartAsync();
        var migrations = Path.Combine(AppContext.BaseDirectory, "migrations");
        if (!Directory.Exists(migrations)) throw new DirectoryNotFoundException($"No migrations folder at {migrations}.");

        await using var appendDb = await CreateDatabaseAsync(cluster, "bench_append", migrations);
        var server = await ReadServerAsync(appendDb);
        Console.WriteLine($"PostgreSQL {server.Version}: fsync={server.Fsync}, synchronous_commit={server.SynchronousCommit}, " +
                          $"wal_sync_method={server.WalSyncMethod}, full_page_writes={server.FullPageWrites}, shared_buffers={server.SharedBuffers}");
        Console.WriteLine();

        var rows = new List<Row>();
        using (var marten = DocumentStore.For(options => MartenSetup.Configure(options, appendDb)))
        {
            await RawBaseline.CreateAsync(appendDb);
            var run = 0;
            string NextPrefix() => $"bench-{++run}";
            Appender martenAppend = (stream, events) => AppendToMartenAsync(marten, stream, events);

            Console.WriteLine("[1m] single-event appends, 1 writer, distinct streams");
            var one = await AppendRowsAsync(1, 1500 / scale, 1, [("Marten", martenAppend)], appendDb, NextPrefix);
            rows.Add(one[0] with { Id = "1m", Workload = "single-event appends, 1 writer, distinct streams (QuickWithServerTimestamps, as configured by ScoFactsMarten)" });

            Console.WriteLine("[2m] single-event appends, 16 writers, distinct streams");
            var sixteen = await AppendRowsAsync(16, 500 / scale, 1, [("Marten", martenAppend)], appendDb, NextPrefix);
            rows.Add(sixteen[0] with { Id = "2m", Workload = "single-event appends, 16 writers, distinct streams (target: at least 0.55x the raw INSERT)" });

            Console.WriteLine("[3m] 100-event appends, 4 writers, distinct streams");
            var batches = await AppendRowsAsync(4, Math.Max(2, 100 / scale), 100, [("Marten", martenAppend)], appendDb, NextPrefix);
            rows.Add(batches[0] with { Id = "3m", Workload = "100-event appends, 4 writers, distinct streams (a new stream's events are inserted one by one)" });
        }

        PrintTable(rows, server, total.Elapsed, quick);
        return 0;
    }

    // ---------------------------------------------------------------- appends

    /// <summary>Appends a new stream's events, in one transaction of its own.</summary>
    private delegate Task Appender(string stream, IReadOnlyList<object> events);

    private static async Task AppendToMartenAsync(IDocumentStore marten, string stream, IReadOnlyList<object> events)
    {
        await using var session = marten.LightweightSession();
        MartenSetup.Stamp(session, Workload.Metadata());
        session.Events.StartStream(stream, [.. events]);
        await session.SaveChangesAsync();
    }

    /// <summary>Warms up, then runs <see cref="Rounds"/> rounds of (baseline, each store), returning one row per store.</summary>
    private static async Task<Row[]> AppendRowsAsync(int writers, int perWriter, int eventsPerAppend,
        (string Name, Appender Append)[] stores, NpgsqlDataSource db, Func<string> prefix)
    {
        var warmup = Math.Max(1, perWriter / 10);
        await RunBaselineAsync(db, writers, warmup, eventsPerAppend, prefix());
        foreach (var (_, append) in stores) await RunStoreAsync(append, writers, warmup, eventsPerAppend, prefix());

        var baseline = new List<Segment>();
        var measured = stores.Select(_ => new List<Segment>()).ToArray();
        for (var round = 1; round <= Rounds; round++)
        {
            var b = await RunBaselineAsync(db, writers, perWriter, eventsPerAppend, prefix());
            baseline.Add(b);
            var line = new StringBuilder().Append(Inv, $"    round {round}: baseline {Rate(b, eventsPerAppend)}");
            for (var s = 0; s < stores.Length; s++)
            {
                var m = await RunStoreAsync(stores[s].Append, writers, perWriter, eventsPerAppend, prefix());
                measured[s].Add(m);
                line.Append(Inv, $", {stores[s].Name} {Rate(m, eventsPerAppend)}");
            }
            Console.WriteLine(line);
        }

        var unit = eventsPerAppend == 1 ? "appends/s" : "events/s";
        double Throughput(Segment s) => eventsPerAppend == 1 ? s.OpsPerSecond : s.EventsPerSecond;
        var baselineRate = Median(baseline.Select(Throughput));
        var baselineLatency = Latencies(baseline);
        return measured.Select(m => new Row("", "", Median(m.Select(Throughput)), baselineRate, unit,
            Latencies(m), baselineLatency)).ToArray();
    }

    private static string Rate(Segment s, int eventsPerAppend) =>
        eventsPerAppend == 1
            ? string.Create(Inv, $"{s.OpsPerSecond:N0} appends/s")
            : string.Create(Inv, $"{s.EventsPerSecond:N0} events/s ({s.OpsPerSecond:N0} appends/s)");

    private static Task<Segment> RunStoreAsync(Appender append, int writers, int perWriter, int eventsPerAppend, string prefix) =>
        Writers.RunAsync(writers, perWriter, eventsPerAppend, async (w, i) =>
        {
            var stream = string.Create(Inv, $"{prefix}-s{w}-{i}");
            await append(stream, Workload.Events(stream, eventsPerAppend));
        });

    private static Task<Segment> RunBaselineAsync(NpgsqlDataSource db, int writers, int perWriter, int eventsPerAppend, string prefix) =>
        Writers.RunAsync(writers, perWriter, eventsPerAppend, async (w, i) =>
        {
            var stream = string.Create(Inv, $"{prefix}-b{w}-{i}");
            await RawBaseline.AppendAsync(db, stream, Workload.Events(stream, eventsPerAppend), Workload.Metadata());
        });

    // ---------------------------------------------------------------- setup and output

    private static async Task<NpgsqlDataSource> CreateDatabaseAsync(LocalPostgresCluster cluster, string name, string migrations)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await BenchHost.CreateDatabaseAsync(cluster.ConnectionString, name)) { MaxPoolSize = 64 }.ConnectionString;
        // The application's own data source settings, for the store and the baseline alike.
        var dataSource = EventStoreDataSource.Create(connectionString);
        await new MigrationRunner(dataSource, migrations).ApplyAsync();
        return dataSource;
    }

    private sealed record ServerInfo(string Version, string Fsync, string SynchronousCommit, string WalSyncMethod, string FullPageWrites, string SharedBuffers);

    private static async Task<ServerInfo> ReadServerAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand(
            "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), " +
            "current_setting('wal_sync_method'), current_setting('full_page_writes'), current_setting('shared_buffers')");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new ServerInfo(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5));
    }

    private sealed record Latency(double P50, double P99);

    private sealed record Row(string Id, string Workload, double Store, double Baseline, string Unit, Latency? StoreLatency, Latency? BaselineLatency);

    private static Latency Latencies(IEnumerable<Segment> segments)
    {
        var all = segments.SelectMany(s => s.LatenciesMs).Order().ToArray();
        return new Latency(Writers.Percentile(all, 50), Writers.Percentile(all, 99));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static void PrintTable(List<Row> rows, ServerInfo server, TimeSpan elapsed, bool quick)
    {
        static string L(Latency? l) => l is null ? "" : string.Create(Inv, $"{l.P50:F2} / {l.P99:F2}");
        Console.WriteLine();
        Console.WriteLine(quick ? "## Appends on Marten (--quick smoke run: not a measurement)" : "## Appends on Marten");
        Console.WriteLine();
        Console.WriteLine("| # | Workload | Marten | Baseline (raw INSERT) | Marten/Baseline | Marten p50 / p99 ms | Baseline p50 / p99 ms |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            var baseline = double.IsNaN(r.Baseline) ? "-" : string.Create(Inv, $"{r.Baseline:N0} {r.Unit}");
            var ratio = double.IsNaN(r.Baseline) ? "-" : string.Create(Inv, $"{r.Store / r.Baseline:F2}x");
            Console.WriteLine(string.Create(Inv,
                $"| {r.Id} | {r.Workload} | {r.Store:N0} {r.Unit} | {baseline} | {ratio} | {L(r.StoreLatency)} | {L(r.BaselineLatency)} |"));
        }
        Console.WriteLine();
        var memoryGb = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        Console.WriteLine(string.Create(Inv,
            $"Machine: {Environment.ProcessorCount} cores, {memoryGb:F1} GiB memory, {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}), " +
            $"{RuntimeInformation.FrameworkDescription}, PostgreSQL {server.Version} (fsync={server.Fsync}, synchronous_commit={server.SynchronousCommit}, " +
            $"wal_sync_method={server.WalSyncMethod}, shared_buffers={server.SharedBuffers}); total run {elapsed.TotalMinutes:F1} min."));
    }
}
