extern alias api;

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;
using SCOFacts.EventStore.Hosting;
using SCOFacts.Testing;
using ApiKeyStore = api::SCOFacts.Api.Platform.ApiKeyStore;
using AuthOptions = api::SCOFacts.Api.Platform.AuthOptions;

namespace SCOFacts.Benchmarks.NodesBench;

/// <summary>
/// The failover rows, in both ways of spreading the daemon's shards (<c>Nodes:Distribution</c>): three API processes
/// on one database; the node running the sealer is killed with SIGKILL and the time to the first leaf sealed by another
/// node is measured; then the new holder is stopped cleanly (SIGTERM) and the time to the next node's first leaf is
/// measured. Baselines in the same run: each mode against the other, and one node in steady state (a write to its
/// events sealed, and the sealing rate under writes), which is what a takeover is slower than.
/// </summary>
internal static class FailoverSuite
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private const string Sealer = "Ledger:All";
    private static readonly string[] Modes = ["HotCold", "Wolverine"];

    public static async Task<int> RunAsync(bool quick)
    {
#if DEBUG
        Console.WriteLine("WARNING: a Debug build; run with -c Release for numbers worth keeping.");
#endif
        var runs = quick ? 1 : 3;
        await using var cluster = LocalPostgresCluster.CreateThrowaway(new LocalPostgresClusterOptions());
        await cluster.StartAsync();

        var (latencies, rate) = await SteadyStateAsync(cluster.ConnectionString, quick);
        Console.WriteLine(string.Create(Inv, $"one node: write to sealed {Median(latencies):0.000} s median ({latencies.Min():0.000}–{latencies.Max():0.000} s); {rate:0} events sealed/s under writes"));

        var kills = Modes.ToDictionary(m => m, _ => new List<double>());
        var stops = Modes.ToDictionary(m => m, _ => new List<double>());
        for (var run = 1; run <= runs; run++)
        {
            // The modes take turns, so a slow patch of the shared machine does not fall on one mode only.
            foreach (var mode in Modes)
            {
                var (kill, stop) = await RunOnceAsync(cluster.ConnectionString, mode, run);
                kills[mode].Add(kill);
                stops[mode].Add(stop);
                Console.WriteLine(string.Create(Inv, $"run {run}, {mode}: kill -9 to sealing resumed {kill:0.00} s; clean stop to sealing resumed {stop:0.00} s"));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"| # | Row ({runs} runs each) | HotCold: median (spread) | Wolverine: median (spread) | Wolverine / HotCold | Target |");
        Console.WriteLine("|---|---|---:|---:|---:|---|");
        Console.WriteLine(string.Create(Inv, $"| F1 | Failover: kill -9 of the node running the sealer to sealing resumed | {Cell(kills["HotCold"])} | {Cell(kills["Wolverine"])} | {Median(kills["Wolverine"]) / Median(kills["HotCold"]):0.0}x | <= 30 s |"));
        Console.WriteLine(string.Create(Inv, $"| B1 | Clean stop (SIGTERM) of the node running the sealer to sealing resumed | {Cell(stops["HotCold"])} | {Cell(stops["Wolverine"])} | {Median(stops["Wolverine"]) / Median(stops["HotCold"]):0.0}x | |"));
        Console.WriteLine(string.Create(Inv, $"| S1 | Baseline, one node in steady state: a write to its events sealed ({latencies.Count} writes) | {Cell(latencies, "0.000")} | | | |"));
        Console.WriteLine(string.Create(Inv, $"| S2 | Baseline, one node: events sealed per second under 4 writing clients, to caught up | {rate:0} events/s | | | |"));
        return kills.Values.All(k => k.Max() <= 30) ? 0 : 1;
    }

    private static string Cell(List<double> values, string format = "0.00") =>
        string.Create(Inv, $"{Median(values).ToString(format, Inv)} s ({values.Min().ToString(format, Inv)}–{values.Max().ToString(format, Inv)} s)");

    private static async Task<string> CreateDatabaseAsync(string server, string name)
    {
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    private static Dictionary<string, string> Settings(string folder, string mode) => new(StringComparer.Ordinal)
    {
        ["Bootstrap:CreateEditorKey"] = "false",
        ["RateLimits:Enabled"] = "false",
        ["Seeds:LoadOnStart"] = "false",
        ["Ledger:SigningKeyPath"] = Path.Combine(folder, "signing.key"),
        ["Logging:LogLevel:Default"] = "Warning",
        ["Nodes:Distribution"] = mode,
    };

    private static async Task<string> EditorKeyAsync(NpgsqlDataSource dataSource)
    {
        using var cache = new MemoryCache(new MemoryCacheOptions());
        return (await new ApiKeyStore(dataSource, cache, Options.Create(new AuthOptions())).CreateAsync("bench", "editor")).Key;
    }

    private static HttpClient ClientFor(ApiProcess node, string key)
    {
        var client = new HttpClient { BaseAddress = node.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }

    /// <summary>One node: how long a write waits for its events to be sealed, and how many events it seals per second under writes.</summary>
    private static async Task<(List<double> Latencies, double Rate)> SteadyStateAsync(string server, bool quick)
    {
        var connectionString = await CreateDatabaseAsync(server, "bench_nodes_steady");
        var folder = Path.Combine(Path.GetTempPath(), "scofacts-bench-nodes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        ApiProcess? node = null;
        try
        {
            node = await ApiProcess.StartAsync("node-1", connectionString, Settings(folder, "HotCold"), Patience);
            await Wait.UntilAsync(async () => await HolderAsync(dataSource) == "node-1", Patience, "node-1 holds the sealer");
            using var client = ClientFor(node, await EditorKeyAsync(dataSource));
            await PostAsync(client, "/api/sources", new { id = "bench-a", title = "Bench A", publisher = "Publisher A", kind = "news", language = "en" });
            var written = 0;
            for (var i = 0; i < 5; i++)
                await WriteAsync(client, ++written);
            await WaitSealedAsync(dataSource);

            var latencies = new List<double>();
            for (var i = 0; i < (quick ? 3 : 10); i++)
            {
                await WriteAsync(client, ++written);
                var clock = Stopwatch.StartNew();
                await WaitSealedAsync(dataSource);
                latencies.Add(clock.Elapsed.TotalSeconds);
            }

            var before = (long)(await Scalar(dataSource, "SELECT count(*) FROM ledger_leaves"))!;
            var burst = Stopwatch.StartNew();
            var writing = quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(10);
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (burst.Elapsed < writing)
                    await WriteAsync(client, Interlocked.Increment(ref written));
            })));
            await WaitSealedAsync(dataSource);
            var after = (long)(await Scalar(dataSource, "SELECT count(*) FROM ledger_leaves"))!;
            var rate = (after - before) / burst.Elapsed.TotalSeconds;
            return (latencies, rate);
        }
        finally
        {
            if (node is not null)
                await node.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Waits until every stored event is a leaf (polling: this measures how long that takes).</summary>
    private static async Task WaitSealedAsync(NpgsqlDataSource dataSource)
    {
        var deadline = DateTime.UtcNow + Patience;
        while ((bool)(await Scalar(dataSource, "SELECT (SELECT count(*) FROM ledger_leaves) < (SELECT count(*) FROM mt_events)"))!)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("The ledger did not catch up.");
            await Task.Delay(10);
        }
    }

    private static async Task<(double Kill, double Stop)> RunOnceAsync(string server, string mode, int run)
    {
        var connectionString = await CreateDatabaseAsync(server, $"bench_nodes_{mode.ToLowerInvariant()}_{run}");
        var folder = Path.Combine(Path.GetTempPath(), "scofacts-bench-nodes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var settings = Settings(folder, mode);
        var nodes = new List<ApiProcess>();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            // The first node migrates the database and takes every shard before the others start.
            nodes.Add(await ApiProcess.StartAsync("node-1", connectionString, settings, Patience));
            var key = await EditorKeyAsync(dataSource);
            var clients = nodes.ToDictionary(n => n.Name, n => ClientFor(n, key));
            Func<Task<string?>> holder = mode == "HotCold" ? () => HolderAsync(dataSource) : () => AgentHolderAsync(nodes, clients);
            await Wait.UntilAsync(async () => await holder() == "node-1", Patience, "node-1 holds the sealer");
            nodes.AddRange(await Task.WhenAll(ApiProcess.StartAsync("node-2", connectionString, settings, Patience),
                ApiProcess.StartAsync("node-3", connectionString, settings, Patience)));
            foreach (var node in nodes.Skip(1))
                clients[node.Name] = ClientFor(node, key);
            await PostAsync(clients["node-1"], "/api/sources", new { id = "bench-a", title = "Bench A", publisher = "Publisher A", kind = "news", language = "en" });
            var written = 0;
            foreach (var node in nodes)
                for (var i = 0; i < 5; i++)
                    await WriteAsync(clients[node.Name], ++written);
            // Wolverine's leader spreads the shards once the others join: the sealer's node is the one found in the
            // same place on several polls in a row.
            var settled = 0;
            string? last = null;
            await Wait.UntilAsync(async () =>
            {
                var now = await holder();
                settled = now is not null && now == last ? settled + 1 : 0;
                last = now;
                return settled >= 8;
            }, Patience, "the sealer stays on one node");

            var victim = nodes.Single(n => n.Name == last);
            var kill = await TakeOverAsync(dataSource, nodes, clients, () => victim.KillAsync(), () => ++written);
            string? holderName = null;
            await Wait.UntilAsync(async () => (holderName = await holder()) is not null, Patience, "a survivor holds the sealer");
            var next = nodes.Single(n => !n.HasExited && n.Name == holderName);
            var stop = await TakeOverAsync(dataSource, nodes, clients, () => next.StopAsync(Patience), () => ++written);
            foreach (var client in clients.Values)
                client.Dispose();
            return (kill, stop);
        }
        finally
        {
            foreach (var node in nodes)
                await node.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Under Wolverine's distribution: the running node whose <c>/health/ready</c> lists the sealer's agent as running in it.</summary>
    private static async Task<string?> AgentHolderAsync(List<ApiProcess> nodes, Dictionary<string, HttpClient> clients)
    {
        var holders = new List<string>();
        foreach (var node in nodes.Where(n => !n.HasExited))
        {
            using var response = await clients[node.Name].GetAsync(new Uri("health/ready", UriKind.Relative));
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var description = body.RootElement.GetProperty("checks").EnumerateArray()
                .Single(c => c.GetProperty("name").GetString() == "node").GetProperty("description").GetString() ?? "";
            if (description.Contains("/ledger/all", StringComparison.OrdinalIgnoreCase))
                holders.Add(node.Name);
        }
        return holders.Count == 1 ? holders[0] : null;
    }

    /// <summary>Ends the holder with <paramref name="end"/>, keeps writing to the others, and returns the seconds to the first leaf sealed after.</summary>
    private static async Task<double> TakeOverAsync(NpgsqlDataSource dataSource, List<ApiProcess> nodes, Dictionary<string, HttpClient> clients,
        Func<Task> end, Func<int> next)
    {
        await end();
        var endedAt = (DateTime)(await Scalar(dataSource, "SELECT clock_timestamp()"))!;
        var survivors = nodes.Where(n => !n.HasExited).ToList();
        DateTime? resumed = null;
        var turn = 0;
        var deadline = DateTime.UtcNow + Patience;
        while (resumed is null)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Sealing did not resume.");
            await WriteAsync(clients[survivors[turn++ % survivors.Count].Name], next());
            await using var command = dataSource.CreateCommand("SELECT min(sealed_at) FROM ledger_batches WHERE sealed_at > $1 AND leaf_count > 0");
            command.Parameters.Add(new NpgsqlParameter { Value = endedAt });
            resumed = await command.ExecuteScalarAsync() as DateTime?;
        }
        return (resumed.Value - endedAt).TotalSeconds;
    }

    /// <summary>The node whose connection holds the sealer's advisory lock, if any.</summary>
    private static async Task<string?> HolderAsync(NpgsqlDataSource dataSource)
    {
        var lockId = ProjectionLockIds.Compute("public",
            ShardName.TryParse(Sealer, out var shard) && shard is not null ? shard : throw new InvalidOperationException(Sealer), new DaemonSettings().DaemonLockId);
        await using var command = dataSource.CreateCommand(
            """
            SELECT a.application_name
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.objid::bigint = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (long)lockId });
        return await command.ExecuteScalarAsync() as string;
    }

    private static async Task WriteAsync(HttpClient client, int n)
    {
        var fact = $"bench.failover.{n}";
        await PostAsync(client, "/api/facts", new { id = fact, subject = "bench", property = $"failover-{n}", valueType = "quantity", unit = "percent", description = "A benchmark fact" });
        await PostAsync(client, $"/api/facts/{fact}/claims", new
        {
            sourceId = "bench-a", value = new { kind = "quantity", amount = "40", unit = "percent", approx = "about" },
            validTime = new { at = "2020" }, quote = "About 40 percent.",
        });
    }

    private static async Task PostAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<object?> Scalar(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
