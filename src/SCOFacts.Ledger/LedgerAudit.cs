using Npgsql;
using NpgsqlTypes;

namespace SCOFacts.Ledger;

/// <summary>What a whole-log verification found wrong, and where (docs/ledger.md, "Whole-log verification").</summary>
public enum LedgerFindingKind
{
    /// <summary>The event at the position has bytes other than those sealed.</summary>
    Altered,

    /// <summary>A sealed event is gone from the source: not at its position, nor anywhere else.</summary>
    Missing,

    /// <summary>An event inside the sealed range was never sealed.</summary>
    Inserted,

    /// <summary>The event sealed at one position is now at another.</summary>
    Reordered,

    /// <summary>Leaf indexes skip, or positions do not increase with them.</summary>
    LeafOutOfOrder,

    /// <summary>One event is sealed by more than one leaf.</summary>
    DuplicateEvent,

    /// <summary>A stored node is not the hash of its children, is missing, or covers leaves that do not exist.</summary>
    NodeMismatch,

    /// <summary>A stored checkpoint's root is not the root of the leaves at its size.</summary>
    CheckpointMismatch,
}

/// <summary>One failure of a whole-log verification.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Position">The event position it concerns, when it concerns one.</param>
/// <param name="LeafIndex">The leaf it concerns, when it concerns one.</param>
/// <param name="Detail">A sentence for a person.</param>
public sealed record LedgerFinding(LedgerFindingKind Kind, long? Position, long? LeafIndex, string Detail);

/// <summary>The outcome of a whole-log verification.</summary>
/// <param name="Findings">Every failure found, in the order found.</param>
/// <param name="LeavesChecked">Leaves read.</param>
/// <param name="EntriesChecked">Source events read.</param>
/// <param name="SealedThrough">The last position the ledger covers.</param>
/// <param name="Unsealed">Source events beyond the covered range: the sealing lag, not a failure.</param>
public sealed record LedgerAuditReport(IReadOnlyList<LedgerFinding> Findings, long LeavesChecked, long EntriesChecked, long SealedThrough, long Unsealed)
{
    /// <summary>True when nothing is wrong.</summary>
    public bool IsValid => Findings.Count == 0;
}

/// <summary>
/// Checks the whole ledger against the source of events: every event is a leaf exactly once, every leaf matches its
/// event's bytes, and the stored nodes and checkpoints agree with the leaves. Memory stays bounded by the number of
/// anomalies and the node-check chunk, not by the size of the log.
/// </summary>
public sealed class LedgerAudit
{
    private const int NodeChunk = 8192;
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Creates an audit of <paramref name="dataSource"/>'s ledger.</summary>
    public LedgerAudit(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
    }

    /// <summary>Verifies the ledger against <paramref name="source"/>, the store's events in increasing position.</summary>
    /// <exception cref="InvalidOperationException">The source does not yield events in increasing position.</exception>
    public async Task<LedgerAuditReport> VerifyAsync(IAsyncEnumerable<LedgerEntry> source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var findings = new List<LedgerFinding>();
        long sealedThrough;
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken))
            (_, sealedThrough) = await HashStore.ReadStateAsync(connection, null, cancellationToken);

        var leavesChecked = await CheckTreeAsync(findings, cancellationToken);
        var (entriesChecked, unsealed) = await CheckAgainstSourceAsync(source, sealedThrough, findings, cancellationToken);
        return new LedgerAuditReport(findings, leavesChecked, entriesChecked, sealedThrough, unsealed);
    }

    // Pass 1, in leaf order: indexes without gaps, positions increasing, nodes and checkpoints recomputed from the leaves.
    private async Task<long> CheckTreeAsync(List<LedgerFinding> findings, CancellationToken cancellationToken)
    {
        var checkpoints = new Queue<(long Size, byte[] Root)>();
        await using (var command = _dataSource.CreateCommand("SELECT tree_size, root_hash FROM ledger_checkpoints ORDER BY tree_size"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                checkpoints.Enqueue((reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
        }

        var frontier = Frontier.Empty();
        var computed = new List<(Subtree Node, byte[] Hash)>();
        long nodesComputed = 0;
        long expectedIndex = 0;
        long previousPosition = 0;
        CheckCheckpoints(checkpoints, frontier, findings);
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand("SELECT leaf_index, position, leaf_hash FROM ledger_leaves ORDER BY leaf_index", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var index = reader.GetInt64(0);
                var position = reader.GetInt64(1);
                if (index != expectedIndex)
                    findings.Add(new(LedgerFindingKind.LeafOutOfOrder, position, index, $"Leaf {index} follows leaf {expectedIndex - 1}: leaf indexes must have no gaps."));
                if (position <= previousPosition)
                    findings.Add(new(LedgerFindingKind.LeafOutOfOrder, position, index, $"Leaf {index} seals position {position}, not after position {previousPosition} of the leaf before it."));
                expectedIndex = index + 1;
                previousPosition = Math.Max(previousPosition, position);
                frontier.Append(reader.GetFieldValue<byte[]>(2), computed);
                CheckCheckpoints(checkpoints, frontier, findings);
                if (computed.Count >= NodeChunk)
                {
                    nodesComputed += computed.Count;
                    await CompareNodesAsync(computed, findings, cancellationToken);
                    computed.Clear();
                }
            }
        }
        nodesComputed += computed.Count;
        await CompareNodesAsync(computed, findings, cancellationToken);

        await using (var count = _dataSource.CreateCommand("SELECT count(*) FROM ledger_nodes"))
        {
            var stored = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
            if (stored != nodesComputed)
                findings.Add(new(LedgerFindingKind.NodeMismatch, null, null, $"{stored} nodes are stored but the leaves complete {nodesComputed}."));
        }
        foreach (var (size, _) in checkpoints)
            findings.Add(new(LedgerFindingKind.CheckpointMismatch, null, null, $"A checkpoint is stored for {size} leaves but the ledger has only {frontier.Size}."));
        return frontier.Size;
    }

    private static void CheckCheckpoints(Queue<(long Size, byte[] Root)> checkpoints, Frontier frontier, List<LedgerFinding> findings)
    {
        while (checkpoints.Count > 0 && checkpoints.Peek().Size == frontier.Size)
        {
            var (size, root) = checkpoints.Dequeue();
            if (!root.AsSpan().SequenceEqual(frontier.Root()))
                findings.Add(new(LedgerFindingKind.CheckpointMismatch, null, null, $"The checkpoint for {size} leaves does not have the root those leaves give."));
        }
    }

    private async Task CompareNodesAsync(List<(Subtree Node, byte[] Hash)> computed, List<LedgerFinding> findings, CancellationToken cancellationToken)
    {
        if (computed.Count == 0)
            return;
        await using var command = _dataSource.CreateCommand(
            """
            SELECT q.ordinality, n.hash
            FROM unnest($1::smallint[], $2::bigint[]) WITH ORDINALITY AS q(level, node_index, ordinality)
            LEFT JOIN ledger_nodes n ON n.level = q.level AND n.node_index = q.node_index
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = computed.Select(c => (short)c.Node.Level).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter { Value = computed.Select(c => c.Node.Index).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (node, hash) = computed[(int)reader.GetInt64(0) - 1];
            if (reader.IsDBNull(1) || !reader.GetFieldValue<byte[]>(1).AsSpan().SequenceEqual(hash))
            {
                findings.Add(new(LedgerFindingKind.NodeMismatch, null, node.Start,
                    $"The stored node at level {node.Level}, index {node.Index} (leaves {node.Start}..{node.End - 1}) is {(reader.IsDBNull(1) ? "missing" : "not the hash of its children")}."));
            }
        }
    }

    // Pass 2, in position order: a merge of leaves and source events. Events that are not where they were sealed are
    // held by identity until the end, when each is placed: moved (reordered), gone (missing) or never sealed (inserted).
    private async Task<(long Entries, long Unsealed)> CheckAgainstSourceAsync(
        IAsyncEnumerable<LedgerEntry> source, long sealedThrough, List<LedgerFinding> findings, CancellationToken cancellationToken)
    {
        var strayLeaves = new Dictionary<Guid, LedgerLeaf>();
        var strayEntries = new Dictionary<Guid, LedgerEntry>();
        // Events past the sealed range are the lag, held only so that a sealed event moved there is still recognised.
        var beyond = new Dictionary<Guid, LedgerEntry>();
        long entries = 0, unsealed = 0;

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT leaf_index, position, event_id, leaf_hash FROM ledger_leaves ORDER BY position, leaf_index", connection);
        await using var leaves = await command.ExecuteReaderAsync(cancellationToken);
        var leaf = await NextLeafAsync(leaves, cancellationToken);
        long previous = 0;

        void HoldLeaf(LedgerLeaf l)
        {
            if (!strayLeaves.TryAdd(l.EventId, l))
                findings.Add(new(LedgerFindingKind.DuplicateEvent, l.Position, l.LeafIndex, $"Event {l.EventId} is sealed by leaf {strayLeaves[l.EventId].LeafIndex} and again by leaf {l.LeafIndex}."));
        }

        await foreach (var entry in source.WithCancellation(cancellationToken))
        {
            if (entry.Position <= previous)
                throw new InvalidOperationException($"The source yielded position {entry.Position} after {previous}: it must yield events in increasing position.");
            previous = entry.Position;
            entries++;
            while (leaf is not null && leaf.Position < entry.Position)
            {
                HoldLeaf(leaf);
                leaf = await NextLeafAsync(leaves, cancellationToken);
            }
            if (leaf is not null && leaf.Position == entry.Position)
            {
                if (leaf.EventId == entry.EventId)
                {
                    if (!LeafEncoding.LeafHash(entry).AsSpan().SequenceEqual(leaf.LeafHash))
                        findings.Add(new(LedgerFindingKind.Altered, entry.Position, leaf.LeafIndex, $"The event at position {entry.Position} differs from what leaf {leaf.LeafIndex} sealed."));
                }
                else
                {
                    HoldLeaf(leaf);
                    strayEntries[entry.EventId] = entry;
                }
                leaf = await NextLeafAsync(leaves, cancellationToken);
            }
            else if (entry.Position <= sealedThrough)
            {
                strayEntries[entry.EventId] = entry;
            }
            else
            {
                unsealed++;
                beyond[entry.EventId] = entry;
            }
        }
        while (leaf is not null)
        {
            HoldLeaf(leaf);
            leaf = await NextLeafAsync(leaves, cancellationToken);
        }

        foreach (var held in strayLeaves.Values.OrderBy(l => l.Position))
        {
            if (strayEntries.Remove(held.EventId, out var moved) || beyond.Remove(held.EventId, out moved))
            {
                var unchanged = LeafEncoding.LeafHash(moved with { Position = held.Position }).AsSpan().SequenceEqual(held.LeafHash);
                findings.Add(new(LedgerFindingKind.Reordered, held.Position, held.LeafIndex,
                    $"The event sealed at position {held.Position} (leaf {held.LeafIndex}) is now at position {moved.Position}{(unchanged ? "" : ", and its bytes differ too")}."));
            }
            else
            {
                findings.Add(new(LedgerFindingKind.Missing, held.Position, held.LeafIndex, $"The event sealed at position {held.Position} (leaf {held.LeafIndex}) is gone from the source."));
            }
        }
        foreach (var inserted in strayEntries.Values.OrderBy(e => e.Position))
        {
            findings.Add(new(LedgerFindingKind.Inserted, inserted.Position, null,
                $"The event at position {inserted.Position}, inside the sealed range, was never sealed."));
        }
        return (entries, unsealed);
    }

    private static async Task<LedgerLeaf?> NextLeafAsync(NpgsqlDataReader reader, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken)
            ? new LedgerLeaf(reader.GetInt64(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetFieldValue<byte[]>(3))
            : null;
}
