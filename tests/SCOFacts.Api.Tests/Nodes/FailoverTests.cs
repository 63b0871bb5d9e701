using System.Collections.Concurrent;
using System.Text.Json;
using SCOFacts.Api.Cli;
using SCOFacts.Api.Storage;
using SCOFacts.Api.Tests.Subscriptions;
using SCOFacts.Testing;
using Xunit.Abstractions;

namespace SCOFacts.Api.Tests.Nodes;

/// <summary>
/// Three API processes on one database: the node running the sealer and learned trust is killed with SIGKILL, or
/// loses its lock connection, and the others carry on: sealing resumes within the stated bound, every event is sealed
/// exactly once, trust catches up, and every answer change is delivered, the dead node's last ones included. Each test
/// runs once per <see cref="NodeDistribution"/>: Marten's HotCold locks, and Wolverine's agent assignments.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The takeover bound docs/scaling.md states: a node killed outright to the first leaf sealed by another.</summary>
    public static readonly TimeSpan SealingTakeoverBound = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The same under Wolverine's distribution, which moves a shard only once the leader finds the dead node's heartbeat
    /// older than <c>Nodes:StaleAfter</c> (10 s) on two checks: docs/scaling.md states 30 s.
    /// </summary>
    public static readonly TimeSpan WolverineSealingTakeoverBound = TimeSpan.FromSeconds(30);

    /// <summary>Both ways of spreading the shards.</summary>
    public static TheoryData<NodeDistribution> Distributions => [NodeDistribution.HotCold, NodeDistribution.Wolverine];

    /// <summary>The bound for a dead node's undelivered answer changes to reach their subscribers.</summary>
    public static readonly TimeSpan DeliveryRecoveryBound = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private NodeCluster _cluster = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
            await _cluster.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    /// <summary>
    /// Starts one node, waits until it holds every shard, then starts two more beside it. Under Wolverine's
    /// distribution the leader then spreads the shards over the three: this waits until each runs on one node and
    /// has stayed there for a few heartbeats.
    /// </summary>
    private async Task<ApiProcess> StartThreeAsync(NodeDistribution distribution)
    {
        _cluster = await NodeCluster.CreateAsync(distribution);
        var first = await _cluster.StartAsync("node-1");
        await Wait.UntilAsync(async () => await _cluster.HolderOfAllShardsAsync() == first.Name, Patience, "the first node holds the sealer and trust");
        if (distribution == NodeDistribution.HotCold)
        {
            // The node check says the same as the locks: both shards run in the first node's process.
            await Wait.UntilAsync(async () =>
            {
                var reported = (await _cluster.NodeReportsAsync()).Single().Report.Agents;
                return NodeCluster.Shards.All(reported.Contains);
            }, Patience, "the first node reports running the sealer and trust");
        }
        await Task.WhenAll(_cluster.StartAsync("node-2"), _cluster.StartAsync("node-3"));
        if (distribution == NodeDistribution.Wolverine)
        {
            var settled = 0;
            string? last = null;
            await Wait.UntilAsync(async () =>
            {
                var holders = await _cluster.ShardHoldersAsync();
                var now = holders.Values.All(h => h.Count == 1) && await _cluster.EachShardHeldOnceByAsync(_cluster.Running)
                    ? string.Join(";", holders.Select(h => $"{h.Key}={h.Value[0].Node}"))
                    : null;
                settled = now is not null && now == last ? settled + 1 : 0;
                last = now;
                return settled >= 8;
            }, Patience, "the leader has spread the shards and left them in place");
            output.WriteLine($"shards after three nodes started: {last}");
        }
        return first;
    }

    private async Task SubscribeToEverythingAsync(ApiProcess node)
    {
        var body = JsonSerializer.Serialize(new { targetUrl = _receiver.Url("all"), secret = "newsroom-secret-0123456789" });
        using (await Facts.Scenario.PostOkAsync(_cluster.Client(node), "/api/subscriptions", body)) { }
    }

    private IReadOnlySet<string> DeliveredFacts() =>
        _receiver.For("all").Where(d => d.Status == 200).Select(d => JsonDocument.Parse(d.Body).RootElement.GetProperty("factId").GetString()!).ToHashSet(StringComparer.Ordinal);

    private IReadOnlySet<string> Refused() =>
        _receiver.For("all").Where(d => d.Status == 503).Select(d => JsonDocument.Parse(d.Body).RootElement.GetProperty("factId").GetString()!).ToHashSet(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Distributions))]
    public async Task Killing_the_node_running_the_sealer_moves_the_shards_to_another_and_nothing_is_lost_or_sealed_twice(NodeDistribution distribution)
    {
        var first = await StartThreeAsync(distribution);
        // HotCold: the first node keeps every lock it took. Wolverine: the leader has spread them; the sealer's node dies.
        var victimName = distribution == NodeDistribution.HotCold ? first.Name : await _cluster.HolderOfAsync(NodeCluster.Shards[0]);
        var victim = _cluster.Running.Single(n => n.Name == victimName);
        var survivors = _cluster.Running.Where(n => n != victim).ToList();
        await SubscribeToEverythingAsync(survivors[0]);
        var source = await _cluster.RegisterSourceAsync(victim);

        // Writes through all three, then a last few through the doomed node, whose answer changes it may not have sent.
        var written = new ConcurrentBag<string>();
        foreach (var node in _cluster.Running)
            for (var i = 0; i < 4; i++)
                written.Add(await _cluster.WriteFactAsync(node, source));
        // The receiver refuses them while the node lives, so they are still in its inbox, retrying, when it dies.
        await Wait.UntilAsync(() => written.ToHashSet(StringComparer.Ordinal).IsSubsetOf(DeliveredFacts()), Patience, "the first changes are delivered");
        var refuse = true;
        _receiver.Script("all", _ => Volatile.Read(ref refuse) ? 503 : 200);
        var lastWords = new List<string>();
        for (var i = 0; i < 5; i++)
            lastWords.Add(await _cluster.WriteFactAsync(victim, source));
        foreach (var fact in lastWords)
            written.Add(fact);
        var lastPositionBeforeKill = await _cluster.LastPositionAsync();
        await Wait.UntilAsync(() => lastWords.All(f => Refused().Contains(f)), Patience, "the doomed node has tried each last change once");
        if (distribution == NodeDistribution.HotCold)
            Assert.Equal(victim.Name, await _cluster.HolderOfAllShardsAsync());
        else
            Assert.Equal(victim.Name, await _cluster.HolderOfAsync(NodeCluster.Shards[0]));

        await victim.KillAsync();
        var killedAtHere = DateTimeOffset.UtcNow;
        var killedAt = await _cluster.NowAsync();
        Volatile.Write(ref refuse, false);

        // The survivors keep taking writes while they take over.
        using var stopWriting = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var turn = 0;
            while (!stopWriting.IsCancellationRequested)
                written.Add(await _cluster.WriteFactAsync(survivors[turn++ % survivors.Count], source));
        });
        DateTimeOffset? resumedAt = null;
        try
        {
            await Wait.UntilAsync(async () => (resumedAt = await _cluster.FirstSealedAfterAsync(killedAt)) is not null, Patience,
                "another node seals new leaves after the kill");
        }
        finally
        {
            await stopWriting.CancelAsync();
            await writer;
        }
        var takeover = resumedAt!.Value - killedAt;
        output.WriteLine($"{distribution}: kill -9 to the first leaf sealed by another node: {takeover.TotalSeconds:0.00} s");
        var bound = distribution == NodeDistribution.HotCold ? SealingTakeoverBound : WolverineSealingTakeoverBound;
        Assert.True(takeover <= bound, $"sealing resumed {takeover.TotalSeconds:0.00} s after the kill\n{_cluster.Logs}");

        // The survivors may share the shards out between them; each is held by one of them.
        await Wait.UntilAsync(() => _cluster.EachShardHeldOnceByAsync(survivors), Patience, "each shard is held by one survivor");

        // Trust and the sealer catch up with everything, and the ledger holds each event once, in one unbroken chain.
        await _cluster.WaitForCatchUpAsync(Patience);
        var account = await _cluster.LedgerAccountAsync();
        Assert.True(account is { Unsealed: 0, SealedTwice: 0, BrokenLinks: 0 }, $"ledger account {account}");
        Assert.Equal(account.Events, account.Leaves);

        // The verifier, through a survivor, proves the doomed node's last event is in the signed tree.
        await _cluster.WaitForCheckpointOfEverythingAsync(Patience);
        var kept = Path.Combine(Path.GetTempPath(), "scofacts-nodes-" + Guid.NewGuid().ToString("N") + ".checkpoint");
        try
        {
            var url = survivors[1].BaseAddress.ToString();
            var (exitCode, verified, error) = await CliRun.InProcessAsync(null,
                "ledger", "verify", "--key", new Uri(survivors[1].BaseAddress, ".well-known/scofacts-ledger-key").ToString(), "--checkpoint", kept,
                "--url", url, "--event", $"{lastPositionBeforeKill}");
            Assert.True(exitCode == CliVerbs.Success, verified + error);
            Assert.Contains($"the event at position {lastPositionBeforeKill} is leaf", verified, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(kept);
        }

        // Every answer change is delivered, the ones the killed node committed but had not sent included.
        var expected = written.ToHashSet(StringComparer.Ordinal);
        await Wait.UntilAsync(() => expected.IsSubsetOf(DeliveredFacts()), Patience,
            $"every answer change is delivered ({expected.Except(DeliveredFacts()).Count()} of {expected.Count} missing)");
        var recovered = _receiver.For("all").Where(d => d.Status == 200 && lastWords.Contains(JsonDocument.Parse(d.Body).RootElement.GetProperty("factId").GetString()!))
            .Max(d => d.ReceivedAt) - killedAtHere;
        output.WriteLine($"{distribution}: kill -9 to every answer change delivered: {recovered.TotalSeconds:0.00} s");
        Assert.True(recovered <= DeliveryRecoveryBound, $"the dead node's changes were delivered {recovered.TotalSeconds:0.00} s after the kill");
    }

    [Theory]
    [MemberData(nameof(Distributions))]
    public async Task Terminating_the_lock_connection_of_the_leader_leaves_at_most_one_worker_per_shard(NodeDistribution distribution)
    {
        var first = await StartThreeAsync(distribution);
        var source = await _cluster.RegisterSourceAsync(first);
        foreach (var node in _cluster.Running)
            await _cluster.WriteFactAsync(node, source);
        int[] backends;
        if (distribution == NodeDistribution.HotCold)
        {
            // The shards' leader is the node holding their locks; only the backends holding them are ended.
            var before = await _cluster.ShardHoldersAsync();
            Assert.All(before.Values, h => Assert.Equal(first.Name, Assert.Single(h).Node));
            backends = [.. before.Values.SelectMany(h => h.Select(x => x.Backend)).Distinct()];
        }
        else
        {
            // Wolverine's leader holds its leadership through an advisory lock on a connection of its own: that
            // connection is ended, so the leader finds its lock gone and a leader is elected again while the shards'
            // agents run on. (The shards themselves hold no lock in this mode.)
            var leader = await _cluster.LeaderAsync();
            Assert.NotNull(leader);
            backends = [.. await _cluster.WolverineLeadershipBackendsAsync()];
            Assert.NotEmpty(backends);
            output.WriteLine($"leader {leader}: ending backends {string.Join(", ", backends)}");
        }

        // Every node keeps running.
        await using (var terminate = _cluster.Database.DataSource.CreateCommand("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS b(pid)"))
        {
            terminate.Parameters.Add(new Npgsql.NpgsqlParameter { Value = backends });
            await terminate.ExecuteNonQueryAsync();
        }
        var terminatedAt = await _cluster.NowAsync();

        // Writes go on through all three while the locks are taken again; no shard is ever held twice.
        var heldTwice = new ConcurrentBag<string>();
        using var stopWriting = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var turn = 0;
            while (!stopWriting.IsCancellationRequested)
            {
                await _cluster.WriteFactAsync(_cluster.Running[turn++ % 3], source);
                foreach (var (shard, holders) in await _cluster.ShardHoldersAsync())
                    if (holders.Count > 1)
                        heldTwice.Add($"{shard}: {string.Join(", ", holders)}");
            }
        });
        try
        {
            await Wait.UntilAsync(async () => await _cluster.FirstSealedAfterAsync(terminatedAt) is not null, Patience,
                "sealing resumes after the lock connection is ended");
            await Wait.UntilAsync(() => _cluster.EachShardHeldOnceByAsync(_cluster.Nodes), Patience, "one node holds each shard again");
            if (distribution == NodeDistribution.Wolverine)
                await Wait.UntilAsync(async () => (await _cluster.WolverineLeadershipBackendsAsync()).Count == 1 && await _cluster.LeaderAsync() is not null,
                    Patience, "one node holds Wolverine's leadership again");
        }
        finally
        {
            await stopWriting.CancelAsync();
            await writer;
        }

        Assert.Empty(heldTwice);
        Assert.All(_cluster.Nodes, n => Assert.False(n.HasExited, $"{n.Name} ended\n{_cluster.Logs}"));
        await _cluster.WaitForCatchUpAsync(Patience);
        var account = await _cluster.LedgerAccountAsync();
        Assert.True(account is { Unsealed: 0, SealedTwice: 0, BrokenLinks: 0 }, $"ledger account {account}\n{_cluster.Logs}");
        Assert.Equal(account.Events, account.Leaves);
    }
}
