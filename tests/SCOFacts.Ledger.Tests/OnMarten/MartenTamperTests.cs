using SCOFacts.Ledger.Verifier;

namespace SCOFacts.Ledger.Tests;

/// <summary>
/// Tampering with Marten's event table after sealing is reported at exactly the event tampered with, and a log rebuilt
/// from the tampered table cannot prove it extends a head kept before.
/// </summary>
[Collection(MartenCollection.Name)]
public sealed class MartenTamperTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_changed_byte_a_deleted_two_reordered_and_an_inserted_event_are_each_reported_at_that_event()
    {
        await using var ledger = await SealedAsync();
        var kept = await ledger.Reader.GetTreeHeadAsync(20);

        // A superuser switches the append-only guard off (migration 0013) and rewrites the log behind the store's back:
        // the ledger must catch what the database let through.
        await ledger.ExecuteAsync("ALTER TABLE mt_events DISABLE TRIGGER USER");
        await ledger.ExecuteAsync("UPDATE mt_events SET data = jsonb_set(data, '{Weight}', '6') WHERE seq_id = 5");
        await ledger.ExecuteAsync("DELETE FROM mt_events WHERE seq_id = 9");
        await ledger.ExecuteAsync("UPDATE mt_events SET seq_id = -seq_id WHERE seq_id IN (20, 21)");
        await ledger.ExecuteAsync("UPDATE mt_events SET seq_id = CASE seq_id WHEN -20 THEN 21 ELSE 20 END WHERE seq_id IN (-20, -21)");
        await ledger.ExecuteAsync(
            """
            INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type,
                                   correlation_id, causation_id, headers, user_name, is_archived)
            SELECT 11, gen_random_uuid(), stream_id, version + 1000, data, type, timestamp, tenant_id, mt_dotnet_type,
                   correlation_id, causation_id, headers, user_name, is_archived
            FROM mt_events WHERE seq_id = 10
            """);

        var report = await ledger.AuditAsync();

        Assert.Equal(
            [(LedgerFindingKind.Altered, 5L), (LedgerFindingKind.Missing, 9L), (LedgerFindingKind.Inserted, 11L), (LedgerFindingKind.Reordered, 20L), (LedgerFindingKind.Reordered, 21L)],
            report.Findings.Select(f => (f.Kind, f.Position!.Value)).OrderBy(f => f.Item2));
        Assert.Equal(4L, report.Findings.Single(f => f.Kind == LedgerFindingKind.Altered).LeafIndex);

        // The same table, sealed afresh, is another history: the head kept at 20 leaves is not a prefix of it.
        await using var rebuilt = await ledger.RebuildElsewhereAsync(Patience);
        var head = await rebuilt.Reader.GetTreeHeadAsync();
        var proof = await rebuilt.Reader.GetConsistencyProofAsync(20, head.TreeSize);
        Assert.Equal(30, head.TreeSize);
        Assert.False(ProofVerifier.VerifyConsistency(20, head.TreeSize, kept.RootHash, head.RootHash, proof.Hashes));
        var honest = await ledger.Reader.GetConsistencyProofAsync(20, 30);
        var honestHead = await ledger.Reader.GetTreeHeadAsync();
        Assert.True(ProofVerifier.VerifyConsistency(20, 30, kept.RootHash, honestHead.RootHash, honest.Hashes));
    }

    // Thirty events at positions 1..10 and 12..31: position 11 is drawn and never used, as a rolled-back append leaves it.
    private static async Task<MartenLedger> SealedAsync()
    {
        var ledger = await MartenLedger.CreateAsync();
        await using var store = ledger.CreateStore(batchSize: 8);
        await MartenLedger.AppendAsync(store, "fact-a", 10);
        await ledger.ScalarAsync("SELECT nextval('mt_events_sequence')");
        await MartenLedger.AppendAsync(store, "fact-b", 10);
        await MartenLedger.AppendAsync(store, "fact-c", 10);
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await ledger.WaitUntilSealedAsync(Patience);
        await daemon.StopAllAsync();
        var report = await ledger.AuditAsync();
        Assert.True(report.IsValid, SourceTable.Describe(report.Findings));
        Assert.Equal(31, (await ledger.Reader.GetStateAsync()).SealedThrough);
        return ledger;
    }
}
