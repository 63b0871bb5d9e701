using Npgsql;
using NpgsqlTypes;

namespace SCOFacts.Ledger;

/// <summary>
/// Appends events to the ledger as leaves, each exactly once: one transaction per batch, under an advisory lock so
/// that sealers racing on one database take turns, and idempotent for redelivered ranges (docs/ledger.md, §3).
/// </summary>
public sealed class LedgerSealer
{
    /// <summary>
    /// The transaction-scoped advisory lock a batch holds ("5C0FAC75" spells SCOFACTS; 2 is the ledger's slot, after
    /// the migration runner's 1).
    /// </summary>
    public const long AdvisoryLockKey = 0x5C0FAC75_00000002;

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Creates a sealer writing to the ledger tables of <paramref name="dataSource"/>'s database.</summary>
    public LedgerSealer(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
    }

    /// <summary>Seals <paramref name="batch"/>: appends the entries beyond what is sealed, checks those already sealed.</summary>
    /// <exception cref="ArgumentException">The batch's entries are not in increasing position inside its range.</exception>
    /// <exception cref="LedgerGapException">The batch starts beyond the sealed range.</exception>
    /// <exception cref="LedgerIntegrityException">The batch disagrees with what is already sealed.</exception>
    public async Task<SealResult> SealAsync(LedgerBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Validate(batch);
        return await SealAsync((_, _, _, _) => Task.FromResult(batch), cancellationToken);
    }

    /// <summary>
    /// Seals the batch <paramref name="makeBatch"/> builds once the lock is held, from the ledger's state as it
    /// stands then (the last position sealed) and inside the sealing transaction: for a sealer that must decide what
    /// the batch covers from what is already sealed, with no other sealer moving in between.
    /// </summary>
    internal async Task<SealResult> SealAsync(
        Func<NpgsqlConnection, NpgsqlTransaction, long, CancellationToken, Task<LedgerBatch>> makeBatch, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (treeSize, sealedThrough) = await HashStore.LockAndReadStateAsync(connection, transaction, AdvisoryLockKey, cancellationToken);
        var batch = await makeBatch(connection, transaction, sealedThrough, cancellationToken);
        Validate(batch);
        if (batch.After > sealedThrough)
            throw new LedgerGapException(sealedThrough, batch.After);

        var firstNew = 0;
        while (firstNew < batch.Entries.Count && batch.Entries[firstNew].Position <= sealedThrough)
            firstNew++;
        if (batch.After < sealedThrough)
            await CheckRedeliveryAsync(connection, transaction, batch, Math.Min(batch.Through, sealedThrough), firstNew, cancellationToken);

        if (batch.Through <= sealedThrough)
        {
            await transaction.CommitAsync(cancellationToken);
            return new SealResult(0, firstNew, new TreeHead(treeSize, await LedgerReader.RootAsync(connection, null, treeSize, cancellationToken)));
        }

        var frontier = await Frontier.LoadAsync(connection, transaction, treeSize, cancellationToken);
        var count = batch.Entries.Count - firstNew;
        var leafHashes = new byte[count][];
        var nodes = new List<(Subtree Node, byte[] Hash)>(count);
        for (var i = 0; i < count; i++)
        {
            leafHashes[i] = LeafEncoding.LeafHash(batch.Entries[firstNew + i]);
            frontier.Append(leafHashes[i], nodes);
        }

        try
        {
            await using (var leaves = await connection.BeginBinaryImportAsync(
                "COPY ledger_leaves (leaf_index, position, event_id, leaf_hash) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                for (var i = 0; i < count; i++)
                {
                    var entry = batch.Entries[firstNew + i];
                    // Synchronous writes fill the importer's buffer; only a full buffer goes to the server.
                    leaves.StartRow();
                    leaves.Write(treeSize + i, NpgsqlDbType.Bigint);
                    leaves.Write(entry.Position, NpgsqlDbType.Bigint);
                    leaves.Write(entry.EventId, NpgsqlDbType.Uuid);
                    leaves.Write(leafHashes[i], NpgsqlDbType.Bytea);
                }
                await leaves.CompleteAsync(cancellationToken);
            }
            if (nodes.Count > 0)
            {
                await using var writer = await connection.BeginBinaryImportAsync(
                    "COPY ledger_nodes (level, node_index, hash) FROM STDIN (FORMAT BINARY)", cancellationToken);
                foreach (var (node, hash) in nodes)
                {
                    writer.StartRow();
                    writer.Write((short)node.Level, NpgsqlDbType.Smallint);
                    writer.Write(node.Index, NpgsqlDbType.Bigint);
                    writer.Write(hash, NpgsqlDbType.Bytea);
                }
                await writer.CompleteAsync(cancellationToken);
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Positions are checked against the sealed range above, so only an event id can collide: the same event
            // offered again under another position.
            throw new LedgerIntegrityException(
                batch.Entries[firstNew].Position, $"The batch after position {sealedThrough} repeats an event already sealed: {e.Detail ?? e.MessageText}", e);
        }

        await using (var record = new NpgsqlCommand(
            "INSERT INTO ledger_batches (after_position, through_position, first_leaf, leaf_count) VALUES ($1, $2, $3, $4)",
            connection, transaction))
        {
            record.Parameters.Add(new NpgsqlParameter { Value = sealedThrough });
            record.Parameters.Add(new NpgsqlParameter { Value = batch.Through });
            record.Parameters.Add(new NpgsqlParameter { Value = treeSize });
            record.Parameters.Add(new NpgsqlParameter { Value = count });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new SealResult(count, firstNew, new TreeHead(treeSize + count, frontier.Root()));
    }

    private static void Validate(LedgerBatch batch)
    {
        if (batch.After < 0 || batch.Through < batch.After)
            throw new ArgumentException($"A batch covers (after, through] with 0 ≤ after ≤ through, not ({batch.After}, {batch.Through}].", nameof(batch));
        var previous = batch.After;
        foreach (var entry in batch.Entries)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(batch));
            if (entry.Position <= previous || entry.Position > batch.Through)
            {
                throw new ArgumentException(
                    $"Entry at position {entry.Position} is out of order or outside the batch's range ({batch.After}, {batch.Through}].", nameof(batch));
            }
            previous = entry.Position;
        }
    }

    // The part of the batch already sealed must be exactly what was sealed: the same positions, the same bytes.
    private static async Task CheckRedeliveryAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerBatch batch, long through, int redelivered, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT position, event_id, leaf_hash FROM ledger_leaves WHERE position > $1 AND position <= $2 ORDER BY position",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = batch.After });
        command.Parameters.Add(new NpgsqlParameter { Value = through });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var i = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var position = reader.GetInt64(0);
            var entry = i < redelivered ? batch.Entries[i] : null;
            if (entry is null || entry.Position > position)
                throw new LedgerIntegrityException(position, $"Position {position} was sealed but is missing from the redelivered range ({batch.After}, {batch.Through}].");
            if (entry.Position < position)
                throw new LedgerIntegrityException(entry.Position, $"Position {entry.Position} is redelivered but was not there when its range was sealed.");
            if (entry.EventId != reader.GetGuid(1) || !LeafEncoding.LeafHash(entry).AsSpan().SequenceEqual(reader.GetFieldValue<byte[]>(2)))
                throw new LedgerIntegrityException(position, $"The event redelivered at position {position} differs from the one sealed there.");
            i++;
        }
        if (i < redelivered)
        {
            var position = batch.Entries[i].Position;
            throw new LedgerIntegrityException(position, $"Position {position} is redelivered but was not there when its range was sealed.");
        }
    }
}
