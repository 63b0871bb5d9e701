using SCOFacts.Testing;

namespace SCOFacts.Ledger.Tests;

/// <summary>The daemon killed at random points while events flow: the ledger it leaves equals a fresh rebuild's.</summary>
[Collection(MartenCollection.Name)]
public sealed class DaemonCrashTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_daemon_killed_at_random_points_leaves_the_ledger_a_rebuild_builds()
    {
        await using var ledger = await MartenLedger.CreateAsync();
        await using var writers = ledger.CreateStore();
        var random = new Random(20261130);
        var writing = Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var own = new Random(w);
            for (var i = 0; i < 120; i++)
                await MartenLedger.AppendAsync(writers, $"fact-{w}-{i % 9}", 1 + own.Next(6), i * 10);
        })));

        var kills = 0;
        while (!writing.IsCompleted || kills < 4)
        {
            // Each round is a process: its own store and daemon, with its own batch size.
            var sealer = ledger.CreateSealerSource();
            var store = ledger.CreateStore(batchSize: 1 + random.Next(120), daemon: true, sealer: sealer);
            var daemon = await store.BuildProjectionDaemonAsync();
            await daemon.StartAllAsync();
            var target = await ledger.ScalarAsync("SELECT count(*) FROM ledger_leaves") + random.Next(1, 150);
            await Wait.UntilAsync(async () => await ledger.ScalarAsync("SELECT count(*) FROM ledger_leaves") >= target
                    || (writing.IsCompleted && (await SealingLag.ReadAsync(ledger.Database.DataSource)).UnsealedEvents == 0),
                Patience, $"the ledger holds {target} leaves or everything written is sealed");
            switch (kills++ % 3)
            {
                case 0:
                    // Its connections cut mid-flight, sealer's and daemon's alike, then the process dropped.
                    await ledger.TerminateAsync(MartenLedger.SealerApplicationName);
                    await ledger.TerminateAsync(MartenLedger.DaemonApplicationName);
                    break;
                case 1:
                    // The sealer's connection cut alone: the daemon sees its batch fail.
                    await ledger.TerminateAsync(MartenLedger.SealerApplicationName);
                    break;
            }
            // Dropped without a stop: whatever batch is in flight is abandoned.
            daemon.Dispose();
            await store.DisposeAsync();
            await sealer.DisposeAsync();
        }
        await writing;

        await using (var last = ledger.CreateStore(daemon: true))
        {
            using var daemon = await last.BuildProjectionDaemonAsync();
            await daemon.StartAllAsync();
            await ledger.WaitUntilSealedAsync(Patience);
            await daemon.StopAllAsync();
        }

        var events = await ledger.ScalarAsync("SELECT count(*) FROM mt_events");
        var head = await ledger.Reader.GetTreeHeadAsync();
        Assert.Equal(events, head.TreeSize);
        var report = await ledger.AuditAsync();
        Assert.True(report.IsValid, SourceTable.Describe(report.Findings));
        await using var rebuilt = await ledger.RebuildElsewhereAsync(Patience);
        var rebuiltHead = await rebuilt.Reader.GetTreeHeadAsync();
        Assert.Equal(head.TreeSize, rebuiltHead.TreeSize);
        Assert.Equal(head.RootHash, rebuiltHead.RootHash);
        // Killed batches were sealed and then redelivered, or rolled back and redone: never sealed twice.
        Assert.Equal(events, await ledger.ScalarAsync("SELECT count(DISTINCT event_id) FROM ledger_leaves"));
    }

    [Fact]
    public async Task Rebuilding_the_sealer_over_its_own_ledger_checks_every_event_and_adds_nothing()
    {
        await using var ledger = await MartenLedger.CreateAsync();
        await using var store = ledger.CreateStore(batchSize: 40);
        for (var i = 0; i < 10; i++)
            await MartenLedger.AppendAsync(store, $"fact-{i % 3}", 25, i * 25);
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await ledger.WaitUntilSealedAsync(Patience);
        await daemon.StopAllAsync();
        var head = await ledger.Reader.GetTreeHeadAsync();
        var batches = await ledger.ScalarAsync("SELECT count(*) FROM ledger_batches");

        await daemon.RebuildProjectionAsync(LedgerMartenOptions.ProjectionName, Patience, CancellationToken.None);

        Assert.Equal(250, head.TreeSize);
        Assert.Equal(head.RootHash, (await ledger.Reader.GetTreeHeadAsync()).RootHash);
        Assert.Equal(batches, await ledger.ScalarAsync("SELECT count(*) FROM ledger_batches"));

        // A rebuild over a changed event is refused at that event, and the ledger is left as it was.
        // (a superuser switching the append-only guard off first)
        await ledger.ExecuteAsync("ALTER TABLE mt_events DISABLE TRIGGER USER");
        await ledger.ExecuteAsync("UPDATE mt_events SET data = jsonb_set(data, '{Weight}', '-1') WHERE seq_id = 77");
        var refused = await Record.ExceptionAsync(() => daemon.RebuildProjectionAsync(LedgerMartenOptions.ProjectionName, Patience, CancellationToken.None));
        Assert.NotNull(refused);
        Assert.Contains(Flatten(refused), e => e is LedgerIntegrityException { Position: 77 });
        Assert.Equal(head.RootHash, (await ledger.Reader.GetTreeHeadAsync()).RootHash);
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        yield return e;
        if (e is AggregateException aggregate)
        {
            foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                yield return inner;
        }
        else if (e.InnerException is not null)
        {
            foreach (var inner in Flatten(e.InnerException))
                yield return inner;
        }
    }
}
