using System.Collections.Concurrent;
using System.Text.Json;
using SCOFacts.Api.Cli;
using SCOFacts.Api.Tests.Subscriptions;
using SCOFacts.Testing;
using Xunit.Abstractions;

namespace SCOFacts.Api.Tests.Nodes;

/// <summary>
/// Three API processes on one database: the node running the sealer and learned trust is killed with SIGKILL, or
/// loses its lock connection, and the others carry on: sealing resumes within the stated bound, every event is sealed
/// exactly once, trust catches up, and every answer change is delivered, the dead node's last ones included.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The takeover bound docs/scaling.md states: a node killed outright to the first leaf sealed by another.</summary>
    public static readonly TimeSpan SealingTakeoverBound = TimeSpan.FromSeconds(10);

    /// <summary>The bound for a dead node's undelivered answer changes to reach their subscribers.</summary>
    public static readonly TimeSpan DeliveryRecoveryBound = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private NodeCluster _cluster = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _cluster = await NodeCluster.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    /// <summary>Starts one node, waits until it holds every shard, then starts two more beside it.</summary>
    private async Task<ApiProcess> StartThreeAsync()
    {
        var first = await _cluster.StartAsync("node-1");
        await Wait.UntilAsync(async () => await _cluster.HolderOfAllShardsAsync() == first.Name, Patience, "the first node holds the sealer and trust");
        await Task.WhenAll(_cluster.StartAsync("node-2"), _cluster.StartAsync("node-3"));
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

    [Fact]
    public async Task Killing_the_node_running_the_sealer_and_trust_moves_them_to_another_and_nothing_is_lost_or_sealed_twice()
    {
        var victim = await StartThreeAsync();
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
        Assert.Equal(victim.Name, await _cluster.HolderOfAllShardsAsync());

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
        output.WriteLine($"kill -9 to the first leaf sealed by another node: {takeover.TotalSeconds:0.00} s");
        Assert.True(takeover <= SealingTakeoverBound, $"sealing resumed {takeover.TotalSeconds:0.00} s after the kill\n{_cluster.Logs}");

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
        output.WriteLine($"kill -9 to every answer change delivered: {recovered.TotalSeconds:0.00} s");
        Assert.True(recovered <= DeliveryRecoveryBound, $"the dead node's changes were delivered {recovered.TotalSeconds:0.00} s after the kill");
    }

    [Fact]
    public async Task Terminating_the_lock_connection_of_the_daemon_leaves_at_most_one_worker_per_shard()
    {
        var first = await StartThreeAsync();
        var source = await _cluster.RegisterSourceAsync(first);
        foreach (var node in _cluster.Running)
            await _cluster.WriteFactAsync(node, source);
        var before = await _cluster.ShardHoldersAsync();
        Assert.All(before.Values, h => Assert.Equal(first.Name, Assert.Single(h).Node));

        // Every node keeps running; only the backends holding the shard locks are ended.
        await using (var terminate = _cluster.Database.DataSource.CreateCommand("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS b(pid)"))
        {
            terminate.Parameters.Add(new Npgsql.NpgsqlParameter { Value = before.Values.SelectMany(h => h.Select(x => x.Backend)).Distinct().ToArray() });
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
