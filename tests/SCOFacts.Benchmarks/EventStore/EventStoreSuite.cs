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
using Store = SCOFacts.EventStore.EventStore;

namespace SCOFacts.Benchmarks.EventStoreBench;

/// <summary>
/// The event store against raw Npgsql baselines measured in the same run, on a fresh throwaway
/// cluster with fsync on. Every segment runs a fixed amount of work; append rows run five
/// rounds, baseline and store interleaved, and report the median round; the feed and
/// projection rows interleave too and report each side's best round.
/// </summary>
internal static class EventStoreSuite
{
    private const int Rounds = 5;
    private const int FeedPageSize = 1000;
    private const long FeedEventsFull = 1_000_000;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(bool quick, bool appendsOnly = false)
    {
#if DEBUG
        Console.WriteLine("WARNING: a Debug build; run with -c Release for numbers worth keeping.");
#endif
        ThreadPool.SetMinThreads(Math.Max(32, Environment.ProcessorCount), Math.Max(32, Environment.ProcessorCount));
        var scale = quick ? 20 : 1;
        var total = Stopwatch.StartNew();
        Console.WriteLine($"SCOFacts event store benchmark{(quick ? " (--quick: workloads scaled down 20x, a smoke run)" : "")}");

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
        await using (var afterCommit = new Store(appendDb, new EventStoreOptions { Types = Workload.NewRegistry(), Notify = NotifyMode.AfterCommit }))
        await using (var inTransaction = new Store(appendDb, new EventStoreOptions { Types = Workload.NewRegistry(), Notify = NotifyMode.InTransaction }))
        await using (var noNotify = new Store(appendDb, new EventStoreOptions { Types = Workload.NewRegistry(), Notify = NotifyMode.None }))
        using (var marten = DocumentStore.For(options => MartenSetup.Configure(options, appendDb)))
        {
            await RawBaseline.CreateAsync(appendDb);
            var run = 0;
            string NextPrefix() => $"bench-{++run}";
            Appender martenAppend = (stream, events) => AppendToMartenAsync(marten, stream, events);

            // Rows 1 and 1m: single-event appends, one writer, a new stream per append.
            Console.WriteLine("[1, 1m] single-event appends, 1 writer, distinct streams: the store and Marten");
            var one = await AppendRowsAsync(1, 1500 / scale, 1, [("store", Of(afterCommit)), ("Marten", martenAppend)], appendDb, NextPrefix);
            rows.Add(one[0] with { Id = "1", Workload = "single-event appends, 1 writer, distinct streams" });
            rows.Add(one[1] with { Id = "1m", Workload = "as row 1 on Marten (QuickWithServerTimestamps, as configured by ScoFactsMarten)" });

            // Rows 2, 2m and 4: 16 writers; default AfterCommit and InTransaction NOTIFY and Marten in the same rounds, one baseline.
            Console.WriteLine("[2, 2m, 4, 4b] single-event appends, 16 writers, distinct streams: NotifyMode.AfterCommit, InTransaction, None, and Marten");
            var sixteen = await AppendRowsAsync(16, 500 / scale, 1,
                [("AfterCommit", Of(afterCommit)), ("InTransaction", Of(inTransaction)), ("None", Of(noNotify)), ("Marten", martenAppend)], appendDb, NextPrefix);
            rows.Add(sixteen[0] with { Id = "2", Workload = "single-event appends, 16 writers, distinct streams (NotifyMode.AfterCommit, default)" });
            rows.Add(sixteen[3] with { Id = "2m", Workload = "as row 2 on Marten (target: at least 0.55x the raw INSERT)" });

            // Rows 3 and 3m: 100-event appends, four writers.
            Console.WriteLine("[3, 3m] 100-event appends, 4 writers, distinct streams: the store and Marten");
            var batches = await AppendRowsAsync(4, Math.Max(2, 100 / scale), 100, [("store", Of(afterCommit)), ("Marten", martenAppend)], appendDb, NextPrefix);
            rows.Add(batches[0] with { Id = "3", Workload = "100-event appends, 4 writers, distinct streams" });
            rows.Add(batches[1] with { Id = "3m", Workload = "as row 3 on Marten (a new stream's events are inserted one by one)" });

            rows.Add(sixteen[1] with { Id = "4", Workload = "as row 2 with NotifyMode.InTransaction (NOTIFY inside the append's transaction)" });
            rows.Add(sixteen[2] with { Id = "4b", Workload = "as row 2 with NotifyMode.None (no NOTIFY; for reference)" });
        }

        if (appendsOnly)
        {
            PrintTable(rows, server, total.Elapsed, quick);
            return 0;
        }

        // Rows 5 and 6 read a log of exactly N events in a database of their own.
        var feedEvents = FeedEventsFull / scale;
        await using var feedDb = await CreateDatabaseAsync(cluster, "bench_feed", migrations);
        await using (var store = new Store(feedDb, new EventStoreOptions { Types = Workload.NewRegistry(), Notify = NotifyMode.None }))
        {
            rows.Add(await LoadAsync(store, feedEvents));
            await Vacuum(feedDb);
            rows.Add(await FeedRowAsync(store, feedDb, feedEvents));
        }

        PrintTable(rows, server, total.Elapsed, quick);
        return 0;
    }

    // ---------------------------------------------------------------- appends

    /// <summary>Appends a new stream's events, in one transaction of its own.</summary>
    private delegate Task Appender(string stream, IReadOnlyList<object> events);

    private static Appender Of(Store store) =>
        (stream, events) => store.AppendAsync(stream, ExpectedVersion.NoStream, events, Workload.Metadata());

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

    // ---------------------------------------------------------------- feed and projection

    private static async Task<Row> LoadAsync(Store store, long events)
    {
        const int perAppend = 100;
        const int writers = 4;
        var perWriter = (int)(events / perAppend / writers);
        Console.WriteLine($"[load] {perWriter * writers * perAppend:N0} events through append_events: {perAppend}-event appends, {writers} writers");
        var segment = await Writers.RunAsync(writers, perWriter, perAppend, async (w, i) =>
        {
            var stream = string.Create(Inv, $"feed-{w}-{i}");
            await store.AppendAsync(stream, ExpectedVersion.NoStream, Workload.Events(stream, perAppend), Workload.Metadata());
        });
        Console.WriteLine(string.Create(Inv, $"    {segment.EventsPerSecond:N0} events/s in {segment.Elapsed.TotalSeconds:F1} s"));
        return new Row("-", $"load for rows 5-6: {segment.Events:N0} events, 100-event appends, 4 writers (no baseline)",
            segment.EventsPerSecond, double.NaN, "events/s", Latencies([segment]), null);
    }

    private static async Task<Row> FeedRowAsync(Store store, NpgsqlDataSource db, long events)
    {
        const string workload = "feed read: ReadFeedAsync in pages of 1,000 vs raw keyset scan ORDER BY global_position";
        Console.WriteLine($"[5] {workload}");
        // Warm-up: JIT and the first pages' cache; both sides then read the whole log.
        await ReadFeedAsync(store, Math.Min(events, 20_000));
        await ReadRawAsync(db, Math.Min(events, 20_000));
        var storeRates = new List<double>();
        var rawRates = new List<double>();
        for (var round = 1; round <= 3; round++)
        {
            var raw = await ReadRawAsync(db, events);
            var feed = await ReadFeedAsync(store, events);
            rawRates.Add(raw);
            storeRates.Add(feed);
            Console.WriteLine(string.Create(Inv, $"    round {round}: baseline {raw:N0} events/s, store {feed:N0} events/s"));
        }
        return new Row("5", workload, storeRates.Max(), rawRates.Max(), "events/s", null, null);
    }

    private static async Task<double> ReadFeedAsync(Store store, long events)
    {
        var clock = Stopwatch.StartNew();
        var position = FeedPosition.Start;
        long read = 0;
        while (read < events)
        {
            var page = await store.ReadFeedAsync(position, FeedPageSize);
            if (page.Events.Count == 0) break;
            read += page.Events.Count;
            position = page.Next;
        }
        clock.Stop();
        Require(read >= events, $"the feed returned {read} events, expected {events}");
        return read / clock.Elapsed.TotalSeconds;
    }

    private const string RawColumns =
        "global_position, transaction_id, stream_id, stream_version, event_type, data::text, metadata::text, recorded_at, hash";

    /// <summary>Raw keyset scan over the same table and columns, materialising every value but deserialising nothing.</summary>
    private static async Task<double> ReadRawAsync(NpgsqlDataSource db, long events)
    {
        var clock = Stopwatch.StartNew();
        long after = 0;
        long read = 0;
        long checksum = 0;
        while (read < events)
        {
            await using var connection = await db.OpenConnectionAsync();
            await using var command = new NpgsqlCommand(
                $"SELECT {RawColumns} FROM events WHERE global_position > $1 ORDER BY global_position LIMIT $2", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = after });
            command.Parameters.Add(new NpgsqlParameter { Value = FeedPageSize });
            var n = 0;
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    after = reader.GetInt64(0);
                    checksum += (long)reader.GetFieldValue<ulong>(1) + reader.GetString(2).Length + reader.GetInt64(3)
                        + reader.GetString(4).Length + reader.GetString(5).Length + reader.GetString(6).Length
                        + reader.GetFieldValue<DateTime>(7).Ticks + reader.GetFieldValue<byte[]>(8).Length;
                    n++;
                }
            }
            if (n == 0) break;
            read += n;
        }
        clock.Stop();
        Require(read >= events && checksum != 0, $"the raw scan returned {read} events, expected {events}");
        return read / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The same projection work without checkpoint or leader logic: read a page, fold it, upsert, commit.</summary>
    // ---------------------------------------------------------------- setup and output

    private static async Task<NpgsqlDataSource> CreateDatabaseAsync(LocalPostgresCluster cluster, string name, string migrations)
    {
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = name, MaxPoolSize = 64 }.ConnectionString;
        // The application's own data source settings, for the store and the baseline alike.
        var dataSource = EventStoreDataSource.Create(connectionString);
        await new MigrationRunner(dataSource, migrations).ApplyAsync();
        return dataSource;
    }

    private static async Task Vacuum(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("VACUUM ANALYZE");
        await command.ExecuteNonQueryAsync();
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

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new InvalidOperationException("Benchmark check failed: " + message);
    }

    private static void PrintTable(List<Row> rows, ServerInfo server, TimeSpan elapsed, bool quick)
    {
        static string L(Latency? l) => l is null ? "" : string.Create(Inv, $"{l.P50:F2} / {l.P99:F2}");
        Console.WriteLine();
        Console.WriteLine(quick ? "## Event store benchmark (--quick smoke run: not a measurement)" : "## Event store benchmark");
        Console.WriteLine();
        Console.WriteLine("| # | Workload | Store | Baseline | Store/Baseline | Store p50 / p99 ms | Baseline p50 / p99 ms |");
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
