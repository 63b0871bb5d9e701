using Npgsql;

namespace SCOFacts.Ledger.Tests;

public sealed class SealerTests
{
    [Fact]
    public async Task A_batch_becomes_leaves_in_position_order_with_the_root_of_their_hashes()
    {
        await using var db = await LedgerDatabase.CreateAsync();
        var entries = await db.Source.AddAsync([1, 2, 3, 5, 8, 13]);

        var result = await db.SealAsync(0, 13);

        Assert.Equal(6, result.Appended);
        Assert.Equal(6, result.Head.TreeSize);
        var leafHashes = entries.Select(e => Rfc6962.LeafHash(LeafEncoding.Encode(e))).ToArray();
        Assert.Equal(Rfc6962.Mth(leafHashes), result.Head.RootHash);
        Assert.Equal(result.Head, await db.Reader.GetTreeHeadAsync(), HeadComparer.Instance);
        var leaf = await db.Reader.FindLeafByPositionAsync(8);
        Assert.NotNull(leaf);
        Assert.Equal((4L, entries[4].EventId), (leaf.LeafIndex, leaf.EventId));
        Assert.Null(await db.Reader.FindLeafByPositionAsync(4));
    }

    [Fact]
    public async Task Redelivering_a_sealed_range_unchanged_adds_nothing()
    {
        await using var db = await LedgerDatabase.CreateAsync();
        await db.Source.AddRangeAsync(1, 10);
        var first = await db.SealAsync(0, 10);

        var again = await db.SealAsync(0, 10);
        var part = await db.SealAsync(3, 7);

        Assert.Equal((0, 10), (again.Appended, again.AlreadySealed));
        Assert.Equal((0, 4), (part.Appended, part.AlreadySealed));
        Assert.Equal(first.Head, again.Head, HeadComparer.Instance);
        Assert.Equal(10, await db.CountAsync("SELECT count(*) FROM ledger_leaves"));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM ledger_batches"));
    }

    [Fact]
    public async Task An_overlapping_batch_checks_the_sealed_part_and_appends_the_rest()
    {
        await using var db = await LedgerDatabase.CreateAsync();
        await db.Source.AddRangeAsync(1, 15);
        await db.SealAsync(0, 10);

        var result = await db.SealAsync(5, 15);

        Assert.Equal((5, 5), (result.Appended, result.AlreadySealed));
        Assert.Equal(15, result.Head.TreeSize);
        Assert.Equal(Enumerable.Range(1, 15).Select(i => (long)i), await ColumnAsync(db, "SELECT position FROM ledger_leaves ORDER BY leaf_index"));
    }

    [Fact]
    public async Task A_redelivered_event_that_differs_is_an_integrity_error_at_its_position()
    {
        await using var db = await LedgerDatabase.CreateAsync();
        var entries = await db.Source.AddRangeAsync(1, 6);
        await db.SealAsync(0, 6);

        var changed = entries.Select(e => e.Position == 4 ? e with { Data = e.Data.Replace("c-4", "c-X", StringComparison.Ordinal) } : e).ToList();
        var differs = await Assert.ThrowsAsync<LedgerIntegrityException>(() => db.Sealer.SealAsync(new LedgerBatch(0, 6, changed)));
        var missing = await Assert.ThrowsAsync<LedgerIntegrityException>(() => db.Sealer.SealAsync(new LedgerBatch(0, 6, entries.Where(e => e.Position != 3).ToList())));

        Assert.Equal(4, differs.Position);
        Assert.Equal(3, missing.Position);
        Assert.Equal(6, await db.CountAsync("SELECT count(*) FROM ledger_leaves"));

        // An event where the sealed range had none.
        await db.Source.AddAsync([10, 12]);
        await db.SealAsync(6, 12);
        var sealedRange = await db.Source.ReadAsync(6, 12);
        var outOfNowhere = new LedgerEntry(11, Guid.NewGuid(), "s", 1, "T", DateTimeOffset.UnixEpoch, "{}", "{}");
        var notThere = await Assert.ThrowsAsync<LedgerIntegrityException>(() => db.Sealer.SealAsync(
            new LedgerBatch(6, 12, [sealedRange[0], outOfNowhere, sealedRange[1]])));
        Assert.Equal(11, notThere.Position);
        Assert.Equal(8, await db.CountAsync("SELECT count(*) FROM ledger_leaves"));
    }

    [Fact]
    public async Task The_state_says_how_far_sealing_has_come()
    {
        await using var db = await LedgerDatabase.CreateAsync();
        Assert.Equal(new LedgerState(0, 0, null), await db.Reader.GetStateAsync());
        await db.Source.AddAsync([1, 2, 4]);

        await db.SealAsync(0, 5);
        var state = await db.Reader.GetStateAsync();

        Assert.Equal((3L, 5L), (state.TreeSize, state.SealedThrough));
        Assert.NotNull(state.LastSealedAt);
    }

    [Fact]
    public async Task A_batch_starting_beyond_the_sealed_range_is_a_gap()
    {
        await using var db = await LedgerDatabase.CreateAsync();
        await db.Source.AddRangeAsync(1, 20);
        await db.SealAsync(0, 10);

        var gap = await Assert.ThrowsAsync<LedgerGapException>(() => db.SealAsync(12, 20));

        Assert.Equal((10L, 12L), (gap.SealedThrough, gap.BatchAfter));
        Assert.Equal(10, await db.CountAsync("SELECT count(*) FROM ledger_leaves"));
    }

    [Fact]
    public async Task A_range_with_no_events_at_its_end_still_counts_as_sealed()
    {
        await using var db = await LedgerDatabase.CreateAsync();
        await db.Source.AddAsync([1, 2, 3]);
        await db.SealAsync(0, 9);
        await db.Source.AddAsync([10, 11]);

        var next = await db.SealAsync(9, 11);

        Assert.Equal(2, next.Appended);
        Assert.Equal(5, next.Head.TreeSize);
    }

    [Fact]
    public async Task An_event_offered_again_under_another_position_is_refused()
    {
        await using var db = await LedgerDatabase.CreateAsync();
        var entries = await db.Source.AddRangeAsync(1, 3);
        await db.SealAsync(0, 3);

        var twice = await Assert.ThrowsAsync<LedgerIntegrityException>(() => db.Sealer.SealAsync(new LedgerBatch(3, 4, [entries[0] with { Position = 4 }])));

        Assert.Equal(4, twice.Position);
        Assert.Equal(3, await db.CountAsync("SELECT count(*) FROM ledger_leaves"));
    }

    [Fact]
    public async Task Entries_out_of_order_or_outside_the_range_are_refused_before_anything_is_written()
    {
        await using var db = await LedgerDatabase.CreateAsync();
        var entries = await db.Source.AddRangeAsync(1, 3);

        await Assert.ThrowsAsync<ArgumentException>(() => db.Sealer.SealAsync(new LedgerBatch(0, 3, [entries[1], entries[0], entries[2]])));
        await Assert.ThrowsAsync<ArgumentException>(() => db.Sealer.SealAsync(new LedgerBatch(0, 2, entries)));
        await Assert.ThrowsAsync<ArgumentException>(() => db.Sealer.SealAsync(new LedgerBatch(1, 3, entries)));

        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM ledger_leaves"));
    }

    [Fact]
    public async Task Sealers_racing_over_the_same_batches_seal_every_event_once()
    {
        await using var db = await LedgerDatabase.CreateAsync();
        await db.Source.AddRangeAsync(1, 2000);
        var batches = new List<LedgerBatch>();
        for (var after = 0; after < 2000; after += 100)
            batches.Add(new LedgerBatch(after, after + 100, await db.Source.ReadAsync(after, after + 100)));

        // Each sealer has its own data source, as separate processes would.
        await using var second = db.Database.CreateDataSource();
        await using var third = db.Database.CreateDataSource();
        var sealers = new[] { db.Sealer, new LedgerSealer(second), new LedgerSealer(third) };
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = sealers.Select(sealer => Task.Run(async () =>
        {
            await start.Task;
            var appended = 0;
            foreach (var batch in batches)
                appended += (await sealer.SealAsync(batch)).Appended;
            return appended;
        })).ToArray();
        start.SetResult();
        var appendedBySealer = await Task.WhenAll(runs);

        Assert.Equal(2000, appendedBySealer.Sum());
        Assert.Equal(2000, await db.CountAsync("SELECT count(*) FROM ledger_leaves"));
        Assert.Equal(2000, await db.CountAsync("SELECT count(DISTINCT position) FROM ledger_leaves"));
        Assert.Equal(1999, await db.CountAsync("SELECT max(leaf_index) FROM ledger_leaves"));
        Assert.Equal(20, await db.CountAsync("SELECT count(*) FROM ledger_batches"));
        var report = await db.Audit.VerifyAsync(db.Source.ReadAllAsync());
        Assert.True(report.IsValid, SourceTable.Describe(report.Findings));
        var head = await db.Reader.GetTreeHeadAsync();
        var leafHashes = (await db.Source.ReadAsync(0, 2000)).Select(e => Rfc6962.LeafHash(LeafEncoding.Encode(e))).ToArray();
        Assert.Equal(Rfc6962.Mth(leafHashes), head.RootHash);
    }

    [Theory]
    [InlineData("ledger_leaves")]
    [InlineData("ledger_nodes")]
    [InlineData("ledger_batches")]
    [InlineData("ledger_checkpoints")]
    public async Task The_ledger_tables_refuse_update_delete_and_truncate(string table)
    {
        await using var db = await LedgerDatabase.CreateAsync();
        await db.Source.AddRangeAsync(1, 4);
        await db.SealAsync(0, 4);
        await db.Source.ExecuteAsync(
            "INSERT INTO ledger_checkpoints (tree_size, root_hash, checkpoint) VALUES (4, $1, 'c')", (await db.Reader.GetTreeHeadAsync()).RootHash);
        var column = table switch
        {
            "ledger_leaves" => "leaf_hash",
            "ledger_nodes" => "hash",
            _ => "root_hash",
        };
        var update = table == "ledger_batches" ? "UPDATE ledger_batches SET leaf_count = leaf_count" : $"UPDATE {table} SET {column} = {column}";
        var before = await db.CountAsync($"SELECT count(*) FROM {table}");
        Assert.True(before > 0);

        foreach (var statement in new[] { update, $"DELETE FROM {table}", $"TRUNCATE {table}" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => db.Source.ExecuteAsync(statement));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        }
        Assert.Equal(before, await db.CountAsync($"SELECT count(*) FROM {table}"));
    }

    private static async Task<List<long>> ColumnAsync(LedgerDatabase db, string sql)
    {
        await using var command = db.Database.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<long>();
        while (await reader.ReadAsync())
            values.Add(reader.GetInt64(0));
        return values;
    }
}

internal sealed class HeadComparer : IEqualityComparer<TreeHead>
{
    public static readonly HeadComparer Instance = new();

    public bool Equals(TreeHead? x, TreeHead? y) =>
        x is not null && y is not null && x.TreeSize == y.TreeSize && x.RootHash.AsSpan().SequenceEqual(y.RootHash);

    public int GetHashCode(TreeHead obj) => obj.TreeSize.GetHashCode();
}
