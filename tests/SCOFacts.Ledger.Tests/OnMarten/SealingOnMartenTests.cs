using Marten;
using Marten.Services;
using Npgsql;

namespace SCOFacts.Ledger.Tests;

/// <summary>The sealer on Marten's real daemon: every committed event becomes a leaf once, in the order delivered.</summary>
[Collection(MartenCollection.Name)]
public sealed class SealingOnMartenTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Leaves_are_the_stored_rows_of_mt_events_in_sequence_order_and_the_lag_is_measured()
    {
        await using var ledger = await MartenLedger.CreateAsync();
        await using var store = ledger.CreateStore(batchSize: 7);
        await MartenLedger.AppendAsync(store, "fact-1", 10);
        await MartenLedger.AppendAsync(store, "fact-2", 15);

        var before = await SealingLag.ReadAsync(ledger.Database.DataSource);
        Assert.Equal(25, before.UnsealedEvents);
        Assert.True(before.OldestUnsealedAge > TimeSpan.Zero);

        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await ledger.WaitUntilSealedAsync(Patience);

        Assert.Equal(new SealingLag(0, TimeSpan.Zero), await SealingLag.ReadAsync(ledger.Database.DataSource));
        var stored = new List<LedgerEntry>();
        await foreach (var entry in ledger.Events.ReadAllAsync())
            stored.Add(entry);
        var head = await ledger.Reader.GetTreeHeadAsync();
        Assert.Equal(25, head.TreeSize);
        Assert.Equal(Rfc6962.Mth(stored.Select(e => Rfc6962.LeafHash(LeafEncoding.Encode(e))).ToArray()), head.RootHash);
        // The leaf seals what the server stored: jsonb text, and the metadata columns the session set.
        Assert.Contains("\"Claim\": \"fact-2/3\"", stored[13].Data, StringComparison.Ordinal);
        Assert.Contains("\"userName\": \"checker\"", stored[13].Metadata, StringComparison.Ordinal);
        Assert.Contains("\"correlationId\": \"corr-fact-2\"", stored[13].Metadata, StringComparison.Ordinal);
        Assert.Contains("\"reason\": \"test\"", stored[13].Metadata, StringComparison.Ordinal);
        Assert.Equal(("fact-2", 4L), (stored[13].StreamId, stored[13].StreamVersion));
        var report = await ledger.AuditAsync();
        Assert.True(report.IsValid, SourceTable.Describe(report.Findings));
        // Batches of 7 make at least four sealing transactions.
        Assert.True(await ledger.ScalarAsync("SELECT count(*) FROM ledger_batches") >= 4);
    }

    [Fact]
    public async Task Bug_an_event_stamped_minus_infinity_broke_the_lag_and_must_still_be_sealed()
    {
        // Marten stamps the tombstones it writes after a failed commit with timestamp -infinity: the lag's age is
        // taken over the finite stamps only, and such an event is sealed and verified like any other.
        await using var ledger = await MartenLedger.CreateAsync();
        await using var store = ledger.CreateStore(batchSize: 4);
        await MartenLedger.AppendAsync(store, "fact-1", 6);
        // Stamped as Marten stamps a tombstone, before anything is sealed (the append-only guard is set aside to do it).
        await ledger.ExecuteAsync("ALTER TABLE mt_events DISABLE TRIGGER USER");
        await ledger.ExecuteAsync("UPDATE mt_events SET timestamp = '-infinity' WHERE seq_id IN (1, 4)");
        await ledger.ExecuteAsync("ALTER TABLE mt_events ENABLE TRIGGER USER");

        var before = await SealingLag.ReadAsync(ledger.Database.DataSource);
        Assert.Equal(6, before.UnsealedEvents);
        Assert.InRange(before.OldestUnsealedAge, TimeSpan.Zero, TimeSpan.FromMinutes(5));

        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await ledger.WaitUntilSealedAsync(Patience);
        Assert.Equal(6, (await ledger.Reader.GetTreeHeadAsync()).TreeSize);
        var report = await ledger.AuditAsync();
        Assert.True(report.IsValid, SourceTable.Describe(report.Findings));
    }

    [Fact]
    public async Task Sixteen_racing_writers_with_rollbacks_and_a_transaction_held_open_12_s_are_sealed_exactly_once()
    {
        await using var ledger = await MartenLedger.CreateAsync();
        await using var store = ledger.CreateStore(batchSize: 100);
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();

        var committed = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        var rolledBack = new System.Collections.Concurrent.ConcurrentBag<Guid>();

        // One writer opens a transaction, appends (drawing its sequence numbers), and holds it 12 s while the others
        // commit past it: the daemon must wait for it, not skip it.
        var heldAppended = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = Task.Run(async () =>
        {
            var (ids, _) = await InTransactionAsync(store, ledger, "held", 3, async positions =>
            {
                heldAppended.SetResult(positions.Min());
                await Task.Delay(TimeSpan.FromSeconds(12));
                return true;
            });
            foreach (var id in ids)
                committed.Add(id);
        });
        var heldFirst = await heldAppended.Task.WaitAsync(Patience);

        var writers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var i = 0; i < 25; i++)
            {
                var commit = random.Next(4) != 0;
                var (ids, _) = await InTransactionAsync(store, ledger, $"fact-{w}-{i % 5}", 1 + random.Next(3), async _ =>
                {
                    await Task.Delay(random.Next(0, 40));
                    return commit;
                });
                foreach (var id in ids)
                    (commit ? committed : rolledBack).Add(id);
            }
        })).ToArray();
        await Task.WhenAll(writers);
        Assert.False(held.IsCompleted, "The writers finished while the held transaction was still open.");
        await held;
        await ledger.WaitUntilSealedAsync(Patience);

        var leaves = await ColumnAsync<Guid>(ledger, "SELECT event_id FROM ledger_leaves ORDER BY leaf_index");
        Assert.Equal(committed.Count, leaves.Count);
        Assert.Equal(committed.OrderBy(g => g), leaves.OrderBy(g => g));
        Assert.Empty(leaves.Intersect(rolledBack));
        Assert.NotEmpty(rolledBack);
        // The held events were committed last but drew their positions first: sealed at their positions, in order.
        Assert.True(await ledger.ScalarAsync("SELECT max(seq_id) FROM mt_events") > heldFirst + 3);
        Assert.Equal(0, await ledger.ScalarAsync($"SELECT count(*) FROM ledger_leaves WHERE position < {heldFirst}"));
        var report = await ledger.AuditAsync();
        Assert.True(report.IsValid, SourceTable.Describe(report.Findings));
        Assert.Equal((long)committed.Count, report.LeavesChecked);
    }

    // Appends in a transaction the test owns, then commits or rolls it back as the body decides.
    private static async Task<(IReadOnlyList<Guid> Ids, IReadOnlyList<long> Positions)> InTransactionAsync(
        IDocumentStore store, MartenLedger ledger, string stream, int count, Func<IReadOnlyList<long>, Task<bool>> body)
    {
        await using var connection = await ledger.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        IReadOnlyList<Guid> ids;
        await using (var session = store.LightweightSession(SessionOptions.ForTransaction(transaction)))
        {
            session.LastModifiedBy = "checker";
            var action = session.Events.Append(stream, Enumerable.Range(0, count).Select(i => (object)new ClaimNoted($"{stream}/{i}", i)).ToArray());
            await session.SaveChangesAsync();
            ids = action.Events.Select(e => e.Id).ToList();
        }
        var positions = new List<long>();
        await using (var command = new NpgsqlCommand("SELECT seq_id FROM mt_events WHERE id = ANY($1)", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                positions.Add(reader.GetInt64(0));
        }
        Assert.Equal(count, positions.Count);
        if (await body(positions))
            await transaction.CommitAsync();
        else
            await transaction.RollbackAsync();
        return (ids, positions);
    }

    internal static async Task<List<T>> ColumnAsync<T>(MartenLedger ledger, string sql)
    {
        var values = new List<T>();
        await using var command = ledger.Database.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            values.Add(reader.GetFieldValue<T>(0));
        return values;
    }
}

/// <summary>The Marten tests run one at a time: each drives a daemon and many connections on two shared cores.</summary>
[CollectionDefinition(Name)]
public sealed class MartenCollection
{
    public const string Name = "Marten daemon";
}
