namespace SCOFacts.Ledger.Tests;

/// <summary>
/// Tampering with the source of events or the ledger's own tables is reported at exactly the position tampered
/// with. The source table has no guard, standing in for an event table whose guard a superuser switched off.
/// </summary>
public sealed class AuditTests
{
    private static async Task<LedgerDatabase> SealedAsync(int count = 50)
    {
        var db = await LedgerDatabase.CreateAsync();
        // Positions with holes, as a sequence leaves them after rolled-back transactions.
        await db.Source.AddAsync(Enumerable.Range(1, count).Select(i => (long)(i * 2)));
        await db.SealAsync(0, count * 2);
        return db;
    }

    private static async Task<LedgerAuditReport> AuditAsync(LedgerDatabase db) => await db.Audit.VerifyAsync(db.Source.ReadAllAsync());

    [Fact]
    public async Task An_intact_log_passes_and_its_unsealed_tail_is_counted_as_lag()
    {
        await using var db = await SealedAsync();
        await db.Source.AddAsync([101, 102, 103]);

        var report = await AuditAsync(db);

        Assert.True(report.IsValid, SourceTable.Describe(report.Findings));
        Assert.Equal((50L, 53L, 100L, 3L), (report.LeavesChecked, report.EntriesChecked, report.SealedThrough, report.Unsealed));
    }

    [Fact]
    public async Task A_changed_byte_is_reported_at_its_position()
    {
        await using var db = await SealedAsync();
        await db.Source.ExecuteAsync("UPDATE source_events SET data = jsonb_set(data, '{value}', '31') WHERE position = 20");
        await db.Source.ExecuteAsync("UPDATE source_events SET metadata = jsonb_set(metadata, '{userName}', '\"editor\"') WHERE position = 64");
        await db.Source.ExecuteAsync("UPDATE source_events SET recorded_at = recorded_at + interval '1 microsecond' WHERE position = 90");

        var report = await AuditAsync(db);

        Assert.Equal([(LedgerFindingKind.Altered, 20L, 9L), (LedgerFindingKind.Altered, 64L, 31L), (LedgerFindingKind.Altered, 90L, 44L)],
            report.Findings.Select(f => (f.Kind, f.Position!.Value, f.LeafIndex!.Value)));
    }

    [Fact]
    public async Task A_deleted_event_is_reported_missing_at_its_position()
    {
        await using var db = await SealedAsync();
        await db.Source.ExecuteAsync("DELETE FROM source_events WHERE position = 36");

        var report = await AuditAsync(db);

        var finding = Assert.Single(report.Findings);
        Assert.Equal((LedgerFindingKind.Missing, 36L, 17L), (finding.Kind, finding.Position, finding.LeafIndex));
    }

    [Fact]
    public async Task Reordered_events_are_reported_at_the_positions_they_were_sealed_at()
    {
        await using var db = await SealedAsync();
        // Swap the events at 10 and 12, and move the one at 30 into the hole at 41.
        await db.Source.ExecuteAsync("UPDATE source_events SET position = -position WHERE position IN (10, 12)");
        await db.Source.ExecuteAsync("UPDATE source_events SET position = CASE position WHEN -10 THEN 12 ELSE 10 END WHERE position IN (-10, -12)");
        await db.Source.ExecuteAsync("UPDATE source_events SET position = 41 WHERE position = 30");

        var report = await AuditAsync(db);

        Assert.Equal([(LedgerFindingKind.Reordered, 10L), (LedgerFindingKind.Reordered, 12L), (LedgerFindingKind.Reordered, 30L)],
            report.Findings.Select(f => (f.Kind, f.Position!.Value)));
        Assert.Contains("now at position 41", report.Findings[2].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_inserted_event_is_reported_at_its_position()
    {
        await using var db = await SealedAsync();
        await db.Source.AddAsync([57]);

        var report = await AuditAsync(db);

        var finding = Assert.Single(report.Findings);
        Assert.Equal((LedgerFindingKind.Inserted, 57L), (finding.Kind, finding.Position));
    }

    [Fact]
    public async Task Tampering_with_the_ledger_tables_themselves_is_reported()
    {
        await using var db = await SealedAsync();
        await using var key = new TempKey();
        var checkpoints = new LedgerCheckpoints(db.Database.DataSource, key.Key);
        await checkpoints.SignLatestAsync();
        // A superuser switches the guard off to rewrite a leaf and a node.
        await db.Source.ExecuteAsync("ALTER TABLE ledger_leaves DISABLE TRIGGER ledger_leaves_append_only");
        await db.Source.ExecuteAsync("ALTER TABLE ledger_nodes DISABLE TRIGGER ledger_nodes_append_only");
        await db.Source.ExecuteAsync("UPDATE ledger_leaves SET leaf_hash = sha256('forged') WHERE position = 44");
        await db.Source.ExecuteAsync("UPDATE ledger_nodes SET hash = sha256('forged') WHERE level = 3 AND node_index = 4");

        var report = await AuditAsync(db);

        Assert.Contains(report.Findings, f => f.Kind == LedgerFindingKind.Altered && f.Position == 44);
        // The forged leaf makes its parents wrong too; the forged node is named by the leaves it covers.
        Assert.Contains(report.Findings, f => f.Kind == LedgerFindingKind.NodeMismatch && f.Detail.Contains("level 3, index 4 ", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Kind == LedgerFindingKind.NodeMismatch && f.Detail.Contains("level 1, index 10 ", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Kind == LedgerFindingKind.CheckpointMismatch);
    }

    [Fact]
    public async Task Leaves_reordered_inside_the_ledger_are_reported_at_their_leaf()
    {
        await using var db = await SealedAsync();
        await db.Source.ExecuteAsync("ALTER TABLE ledger_leaves DISABLE TRIGGER ledger_leaves_append_only");
        // Leaves 5 and 6 (positions 12 and 14) trade places, hashes and all.
        await db.Source.ExecuteAsync("UPDATE ledger_leaves SET leaf_index = leaf_index + 1000 WHERE leaf_index IN (5, 6)");
        await db.Source.ExecuteAsync("UPDATE ledger_leaves SET leaf_index = CASE leaf_index WHEN 1005 THEN 6 ELSE 5 END WHERE leaf_index IN (1005, 1006)");

        var report = await AuditAsync(db);

        var outOfOrder = Assert.Single(report.Findings, f => f.Kind == LedgerFindingKind.LeafOutOfOrder);
        Assert.Equal((12L, 6L), (outOfOrder.Position, outOfOrder.LeafIndex));
        Assert.Contains(report.Findings, f => f.Kind == LedgerFindingKind.NodeMismatch && f.Detail.Contains("level 1, index 2 ", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Findings, f => f.Kind is LedgerFindingKind.Altered or LedgerFindingKind.Missing or LedgerFindingKind.Inserted);
    }

    private sealed class TempKey : IAsyncDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("scofacts-ledger-audit-").FullName;

        public TempKey() => Key = LedgerSigningKey.LoadOrCreate(Path.Combine(_folder, "key"), "scofacts.test/ledger");

        public LedgerSigningKey Key { get; }

        public ValueTask DisposeAsync()
        {
            Key.Dispose();
            Directory.Delete(_folder, recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}
