extern alias api;

using System.Globalization;
using System.Net.Http.Json;
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
/// The failover row: three API processes on one database; the node holding the sealer is killed with SIGKILL and the
/// time to the first leaf sealed by another node is measured. The baseline, in the same run: the new holder is then
/// stopped cleanly (SIGTERM, its locks given up on shutdown) and the time to the third node's first leaf is measured.
/// </summary>
internal static class FailoverSuite
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private const string Sealer = "Ledger:All";

    public static async Task<int> RunAsync(bool quick)
    {
#if DEBUG
        Console.WriteLine("WARNING: a Debug build; run with -c Release for numbers worth keeping.");
#endif
        var runs = quick ? 1 : 3;
        await using var cluster = LocalPostgresCluster.CreateThrowaway(new LocalPostgresClusterOptions());
        await cluster.StartAsync();
        var kills = new List<double>();
        var stops = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            var (kill, stop) = await RunOnceAsync(cluster.ConnectionString, run);
            kills.Add(kill);
            stops.Add(stop);
            Console.WriteLine(string.Create(Inv, $"run {run}: kill -9 to sealing resumed {kill:0.00} s; clean stop to sealing resumed {stop:0.00} s"));
        }

        Console.WriteLine();
        Console.WriteLine("| # | Row | Median | Spread | Target |");
        Console.WriteLine("|---|---|---:|---:|---|");
        Console.WriteLine(string.Create(Inv, $"| F1 | Failover: kill -9 of the node running the sealer to sealing resumed ({runs} runs) | {Median(kills):0.00} s | {kills.Min():0.00}–{kills.Max():0.00} s | <= 30 s |"));
        Console.WriteLine(string.Create(Inv, $"| B1 | Baseline: clean stop (SIGTERM) of the node running the sealer to sealing resumed | {Median(stops):0.00} s | {stops.Min():0.00}–{stops.Max():0.00} s | |"));
        return kills.Max() <= 30 ? 0 : 1;
    }

    private static async Task<(double Kill, double Stop)> RunOnceAsync(string server, int run)
    {
        var name = $"bench_nodes_{run}";
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        var folder = Path.Combine(Path.GetTempPath(), "scofacts-bench-nodes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Bootstrap:CreateEditorKey"] = "false",
            ["RateLimits:Enabled"] = "false",
            ["Seeds:LoadOnStart"] = "false",
            ["Ledger:SigningKeyPath"] = Path.Combine(folder, "signing.key"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var nodes = new List<ApiProcess>();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            // The first node migrates the database and takes every shard before the others start.
            nodes.Add(await ApiProcess.StartAsync("node-1", connectionString, settings, Patience));
            await Wait.UntilAsync(async () => await HolderAsync(dataSource) == "node-1", Patience, "node-1 holds the sealer");
            nodes.AddRange(await Task.WhenAll(ApiProcess.StartAsync("node-2", connectionString, settings, Patience),
                ApiProcess.StartAsync("node-3", connectionString, settings, Patience)));
            using var cache = new MemoryCache(new MemoryCacheOptions());
            var key = (await new ApiKeyStore(dataSource, cache, Options.Create(new AuthOptions())).CreateAsync("bench", "editor")).Key;
            var clients = nodes.ToDictionary(n => n.Name, n =>
            {
                var client = new HttpClient { BaseAddress = n.BaseAddress };
                client.DefaultRequestHeaders.Authorization = new("Bearer", key);
                return client;
            });
            await PostAsync(clients["node-1"], "/api/sources", new { id = "bench-a", title = "Bench A", publisher = "Publisher A", kind = "news", language = "en" });
            var written = 0;
            foreach (var node in nodes)
                for (var i = 0; i < 5; i++)
                    await WriteAsync(clients[node.Name], ++written);

            var kill = await TakeOverAsync(dataSource, nodes, clients, () => nodes[0].KillAsync(), () => ++written);
            var holderName = await HolderAsync(dataSource);
            var holder = nodes.Single(n => !n.HasExited && n.Name == holderName);
            var stop = await TakeOverAsync(dataSource, nodes, clients, () => holder.StopAsync(Patience), () => ++written);
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
