using System.Net.Http.Headers;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using SCOFacts.Api.Platform;
using SCOFacts.Api.Storage;
using SCOFacts.Api.Tests.Facts;
using SCOFacts.Ledger;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Nodes;

/// <summary>
/// Several real API processes on one throwaway database, with an editor key they all accept, the ledger key they all
/// share, and what the database says about who holds which daemon shard and how far sealing has got.
/// </summary>
public sealed partial class NodeCluster : IAsyncDisposable
{
    /// <summary>The shards of Marten's async daemon, by the identity their progress is stored under.</summary>
    public static readonly IReadOnlyList<string> Shards = [LedgerMartenOptions.ProjectionName + ":All", AsyncProjections.TrustName + ":All"];

    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(90);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "scofacts-nodes-" + Guid.NewGuid().ToString("N"));
    private readonly List<ApiProcess> _nodes = [];
    private readonly Dictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);
    private string _editorKey = "";

    private NodeCluster(TestDatabase database, NodeDistribution distribution)
    {
        Database = database;
        Distribution = distribution;
    }

    /// <summary>The database every node shares.</summary>
    public TestDatabase Database { get; }

    /// <summary>How every node of this cluster spreads the daemon's shards (<c>Nodes:Distribution</c>).</summary>
    public NodeDistribution Distribution { get; }

    /// <summary>The nodes started, killed ones included.</summary>
    public IReadOnlyList<ApiProcess> Nodes => _nodes;

    /// <summary>The nodes still running.</summary>
    public IReadOnlyList<ApiProcess> Running => [.. _nodes.Where(n => !n.HasExited)];

    /// <summary>The file the nodes sign checkpoints with.</summary>
    public string LedgerKeyPath => Path.Combine(_folder, "signing.key");

    /// <summary>A migrated database and an editor key; no node runs yet.</summary>
    public static async Task<NodeCluster> CreateAsync(NodeDistribution distribution = NodeDistribution.HotCold)
    {
        var database = await TestDatabase.CreateMigratedAsync();
        var cluster = new NodeCluster(database, distribution);
        Directory.CreateDirectory(cluster._folder);
        using var cache = new MemoryCache(new MemoryCacheOptions());
        var keys = new ApiKeyStore(database.DataSource, cache, Options.Create(new AuthOptions()));
        cluster._editorKey = (await keys.CreateAsync("nodes-editor", Roles.Editor)).Key;
        return cluster;
    }

    /// <summary>Starts a node named <paramref name="name"/> and waits until it answers.</summary>
    public async Task<ApiProcess> StartAsync(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Bootstrap:CreateEditorKey"] = "false",
            ["RateLimits:Enabled"] = "false",
            ["Seeds:LoadOnStart"] = "false",
            ["Ledger:SigningKeyPath"] = LedgerKeyPath,
            ["Ledger:CheckpointInterval"] = "00:00:01",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Nodes:Distribution"] = Distribution.ToString(),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            all[key] = value;
        var node = await ApiProcess.StartAsync(name, Database.ConnectionString, all, StartPatience);
        lock (_nodes)
        {
            _nodes.Add(node);
            var client = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _editorKey);
            _clients[name] = client;
        }
        return node;
    }

    /// <summary>An editor's client for <paramref name="node"/>.</summary>
    public HttpClient Client(ApiProcess node) => _clients[node.Name];

    /// <summary>Defines a new fact and records one claim on it through <paramref name="node"/>: one answer change (unverified to single-source).</summary>
    public async Task<string> WriteFactAsync(ApiProcess node, string sourceId)
    {
        var client = Client(node);
        var fact = Scenario.Id("sco.age");
        using (await client.PostOkAsync("/api/facts", Scenario.QuantityFactJson(fact)))
        using (await client.PostOkAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(sourceId)))
            return fact;
    }

    /// <summary>Registers a source through <paramref name="node"/>.</summary>
    public async Task<string> RegisterSourceAsync(ApiProcess node)
    {
        var id = Scenario.Id("xinhua");
        using (await Client(node).PostOkAsync("/api/sources", Scenario.SourceJson(id, "Xinhua")))
            return id;
    }

    /// <summary>
    /// For each daemon shard, the nodes (by name) running it right now. In HotCold mode: the nodes whose connections
    /// hold its advisory lock, with the backend holding it. In Wolverine mode: the running nodes that report the
    /// shard's agent among those running in their process (<c>/health/ready</c>, check <c>node</c>), with no backend
    /// (-1); a node Wolverine's tables name for a shard without the process running it does not count.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<(string Node, int Backend)>>> ShardHoldersAsync()
    {
        var holders = Shards.ToDictionary(s => s, _ => new List<(string, int)>(), StringComparer.Ordinal);
        if (Distribution == NodeDistribution.Wolverine)
        {
            foreach (var (node, report) in await NodeReportsAsync())
                foreach (var shard in Shards.Where(s => report.Agents.Any(a => IsAgentOf(a, s))))
                    holders[shard].Add((node.Name, -1));
            return holders.ToDictionary(h => h.Key, h => (IReadOnlyList<(string, int)>)h.Value, StringComparer.Ordinal);
        }
        var lockIds = Shards.ToDictionary(s => ProjectionLockIds.Compute("public", Shard(s), new DaemonSettings().DaemonLockId), s => s);
        await using var command = Database.DataSource.CreateCommand(
            """
            SELECT l.objid::bigint, a.application_name, a.pid
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.objid::bigint = ANY($1)
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = lockIds.Keys.Select(k => (long)k).ToArray() });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            holders[lockIds[(int)reader.GetInt64(0)]].Add((reader.GetString(1), reader.GetInt32(2)));
        return holders.ToDictionary(h => h.Key, h => (IReadOnlyList<(string, int)>)h.Value, StringComparer.Ordinal);
    }

    /// <summary>Whether a Wolverine agent address (event-subscriptions://marten/main/db/ledger/all) is the shard's.</summary>
    public static bool IsAgentOf(string agent, string shard) =>
        new Uri(agent).AbsolutePath.TrimEnd('/').EndsWith("/" + Shard(shard).RelativeUrl, StringComparison.OrdinalIgnoreCase);

    /// <summary>What each running node says of itself on <c>/health/ready</c>: its Wolverine node id (Wolverine mode) and the shards it runs.</summary>
    public async Task<IReadOnlyList<(ApiProcess Node, (Guid? NodeId, IReadOnlyList<string> Agents) Report)>> NodeReportsAsync()
    {
        var reports = new List<(ApiProcess, (Guid?, IReadOnlyList<string>))>();
        foreach (var node in Running)
        {
            string description;
            try
            {
                using var response = await Client(node).GetAsync(new Uri("health/ready", UriKind.Relative));
                using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                description = body.RootElement.GetProperty("checks").EnumerateArray()
                    .Single(c => c.GetProperty("name").GetString() == "node").GetProperty("description").GetString() ?? "";
            }
            catch (HttpRequestException) when (node.HasExited)
            {
                continue;
            }
            var id = NodeIdPattern().Match(description);
            var running = description[(description.IndexOf("running:", StringComparison.Ordinal) + "running:".Length)..]
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            reports.Add((node, (id.Success ? Guid.Parse(id.Groups[1].Value) : null, running)));
        }
        return reports;
    }

    [System.Text.RegularExpressions.GeneratedRegex("Wolverine node ([0-9a-f-]{36})")]
    private static partial System.Text.RegularExpressions.Regex NodeIdPattern();

    /// <summary>
    /// Wolverine mode: for each shard, the node names <c>wolverine.wolverine_node_assignments</c> assigns it to (the
    /// leader's record of who should run it), mapped to process names through each node's own report.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> AssignedShardsAsync()
    {
        var names = (await NodeReportsAsync()).Where(r => r.Report.NodeId is not null).ToDictionary(r => r.Report.NodeId!.Value, r => r.Node.Name);
        var assigned = Shards.ToDictionary(s => s, _ => new List<string>(), StringComparer.Ordinal);
        await using var command = Database.DataSource.CreateCommand("SELECT id, node_id FROM wolverine.wolverine_node_assignments WHERE id LIKE 'event-subscriptions://%'");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var nodeId = reader.IsDBNull(1) ? Guid.Empty : reader.GetGuid(1);
            foreach (var shard in Shards.Where(s => IsAgentOf(reader.GetString(0), s)))
                assigned[shard].Add(names.TryGetValue(nodeId, out var name) ? name : $"node {nodeId} (no running process)");
        }
        return assigned.ToDictionary(a => a.Key, a => (IReadOnlyList<string>)a.Value, StringComparer.Ordinal);
    }

    /// <summary>Wolverine mode: the process holding Wolverine's leadership, by its assignment of the leader agent.</summary>
    public async Task<string?> LeaderAsync()
    {
        var names = (await NodeReportsAsync()).Where(r => r.Report.NodeId is not null).ToDictionary(r => r.Report.NodeId!.Value, r => r.Node.Name);
        await using var command = Database.DataSource.CreateCommand("SELECT node_id FROM wolverine.wolverine_node_assignments WHERE id LIKE 'wolverine://leader%'");
        return await command.ExecuteScalarAsync() is Guid id && names.TryGetValue(id, out var name) ? name : null;
    }

    /// <summary>
    /// Wolverine mode: the backends holding Wolverine's leadership lock. Its lock connection carries an application
    /// name of its own (<c>wolverine-advisory-lock:...</c>), not the node's; only the leader holds one.
    /// </summary>
    public async Task<IReadOnlyList<int>> WolverineLeadershipBackendsAsync()
    {
        await using var command = Database.DataSource.CreateCommand(
            """
            SELECT DISTINCT a.pid
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'wolverine-advisory-lock:%'
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """);
        var backends = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            backends.Add(reader.GetInt32(0));
        return backends;
    }

    private static ShardName Shard(string identity) =>
        ShardName.TryParse(identity, out var shard) && shard is not null ? shard : throw new ArgumentException($"'{identity}' is no shard name.", nameof(identity));

    /// <summary>
    /// Whether every shard is run by exactly one node, one of <paramref name="nodes"/>; in Wolverine mode Wolverine's
    /// assignment table must name that same node, and no other, too.
    /// </summary>
    public async Task<bool> EachShardHeldOnceByAsync(IEnumerable<ApiProcess> nodes)
    {
        var names = nodes.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var holders = await ShardHoldersAsync();
        if (!holders.Values.All(h => h.Count == 1 && names.Contains(h[0].Node)))
            return false;
        if (Distribution != NodeDistribution.Wolverine)
            return true;
        var assigned = await AssignedShardsAsync();
        return Shards.All(s => assigned[s].Count == 1 && assigned[s][0] == holders[s][0].Node);
    }

    /// <summary>The one node running the shard <paramref name="shard"/>, or null while it is free or run twice.</summary>
    public async Task<string?> HolderOfAsync(string shard)
    {
        var holders = (await ShardHoldersAsync())[shard];
        return holders.Count == 1 ? holders[0].Node : null;
    }

    /// <summary>The one node holding every shard, or null while they are free or split.</summary>
    public async Task<string?> HolderOfAllShardsAsync()
    {
        var holders = await ShardHoldersAsync();
        var names = holders.Values.Select(h => h.Count == 1 ? h[0].Node : null).Distinct().ToList();
        return names.Count == 1 ? names[0] : null;
    }

    /// <summary>The database's clock.</summary>
    public Task<DateTimeOffset> NowAsync() => ScalarAsync<DateTimeOffset>("SELECT clock_timestamp()");

    /// <summary>When the first batch with leaves was sealed after <paramref name="after"/> (database clock), or null.</summary>
    public async Task<DateTimeOffset?> FirstSealedAfterAsync(DateTimeOffset after)
    {
        await using var command = Database.DataSource.CreateCommand("SELECT min(sealed_at) FROM ledger_batches WHERE sealed_at > $1 AND leaf_count > 0");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = after });
        return await command.ExecuteScalarAsync() is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>The newest event's position.</summary>
    public Task<long> LastPositionAsync() => ScalarAsync<long>("SELECT coalesce(max(seq_id), 0) FROM mt_events");

    /// <summary>Runs a query with one value for an answer.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return value is DateTime at && typeof(T) == typeof(DateTimeOffset) ? (T)(object)new DateTimeOffset(at, TimeSpan.Zero) : (T)value!;
    }

    /// <summary>
    /// What the ledger's tables say against the event log: events with no leaf, events with more than one, and sealed
    /// batches that do not start where the one before ended (a range skipped or sealed twice).
    /// </summary>
    public async Task<(long Unsealed, long SealedTwice, long BrokenLinks, long Leaves, long Events)> LedgerAccountAsync()
    {
        var unsealed = await ScalarAsync<long>("SELECT count(*) FROM mt_events e WHERE NOT EXISTS (SELECT 1 FROM ledger_leaves l WHERE l.position = e.seq_id)");
        var twice = await ScalarAsync<long>("SELECT count(*) FROM (SELECT position FROM ledger_leaves GROUP BY position HAVING count(*) > 1) d");
        var links = await ScalarAsync<long>(
            """
            SELECT count(*) FROM (
              SELECT after_position, first_leaf,
                     lag(through_position) OVER (ORDER BY through_position) AS previous_through,
                     lag(first_leaf + leaf_count) OVER (ORDER BY through_position) AS previous_next_leaf
              FROM ledger_batches) b
            WHERE previous_through IS NOT NULL AND (after_position <> previous_through OR first_leaf <> previous_next_leaf)
            """);
        var leaves = await ScalarAsync<long>("SELECT count(*) FROM ledger_leaves");
        var events = await ScalarAsync<long>("SELECT count(*) FROM mt_events");
        return (unsealed, twice, links, leaves, events);
    }

    /// <summary>Waits until every daemon shard has taken every stored event.</summary>
    public async Task WaitForCatchUpAsync(TimeSpan timeout)
    {
        try
        {
            await AsyncProjections.WaitForCatchUpAsync(Database.DataSource, timeout);
        }
        catch (TimeoutException e)
        {
            // Which node ran which shard, and what it said, is what a stalled shard is diagnosed from.
            throw new TimeoutException($"{e.Message}\nshard holders: {string.Join("; ", (await ShardHoldersAsync()).Select(h => $"{h.Key}: {string.Join(", ", h.Value)}"))}\n{Logs}", e);
        }
    }

    /// <summary>Waits until a signed checkpoint covers every leaf.</summary>
    public Task WaitForCheckpointOfEverythingAsync(TimeSpan timeout) => Wait.UntilAsync(async () =>
        await ScalarAsync<long>("SELECT coalesce(max(tree_size), 0) FROM ledger_checkpoints") == await ScalarAsync<long>("SELECT count(*) FROM ledger_leaves"),
        timeout, "a signed checkpoint covers every sealed leaf");

    /// <summary>What the nodes last wrote, for failure messages.</summary>
    public string Logs => string.Join("\n\n", _nodes.Select(n => $"== {n.Name} ({(n.HasExited ? "ended" : "running")})\n{n.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
            client.Dispose();
        foreach (var node in _nodes)
            await node.DisposeAsync();
        await Database.DisposeAsync();
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }
}
