using Npgsql;
using NpgsqlTypes;

namespace SCOFacts.Ledger;

/// <summary>A batch the sealer reads from the database inside its transaction, once its lock is held.</summary>
internal interface IBatchSource
{
    /// <summary>The statement reading the batch's rows when the sealed range ends at position <paramref name="after"/>.</summary>
    NpgsqlBatchCommand Command(long after);

    /// <summary>The batch, from the rows of <see cref="Command"/>'s result set, on which <paramref name="rows"/> stands.</summary>
    Task<LedgerBatch> BatchAsync(NpgsqlDataReader rows, long sealedThrough, CancellationToken cancellationToken);
}

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

    // The tree's right edge as this sealer's last commit left it. A stored tree never changes, so while the ledger's
    // size is still the one it was cached at the edge is exact and the next batch need not read it back; whoever takes it
    // holds it alone until its own commit puts the new edge back.
    private Edge? _edge;

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
        var edge = Interlocked.Exchange(ref _edge, null);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var locking = LockAndStateBatch(connection, transaction);
        var (treeSize, sealedThrough) = await ReadStateAsync(locking, cancellationToken);
        return await SealLockedAsync(connection, transaction, treeSize, sealedThrough, batch, edge, cancellationToken);
    }

    /// <summary>
    /// Seals the batch <paramref name="source"/> reads inside the sealing transaction once the lock is held, from the
    /// ledger's state as it stands then: for a sealer that must decide what the batch covers from what is already
    /// sealed, with no other sealer moving in between. The read goes to the server with the lock and the state, for
    /// the range after the position this sealer last sealed through (or <paramref name="expectedAfter"/> before its
    /// first batch); only when the state shows another start is the batch read again, in a round trip of its own.
    /// </summary>
    internal async Task<SealResult> SealAsync(IBatchSource source, long expectedAfter, CancellationToken cancellationToken)
    {
        var edge = Interlocked.Exchange(ref _edge, null);
        var guess = edge?.SealedThrough ?? expectedAfter;
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long treeSize, sealedThrough;
        LedgerBatch? batch = null;
        await using (var locking = LockAndStateBatch(connection, transaction))
        {
            // The statements after the lock's each take their snapshot once it is granted, so the rows read hold every
            // event committed before, as the state holds every batch sealed before.
            locking.BatchCommands.Add(source.Command(guess));
            await using var reader = await locking.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            (treeSize, sealedThrough) = await HashStore.ReadStateAsync(reader, cancellationToken);
            if (sealedThrough == guess)
            {
                await reader.NextResultAsync(cancellationToken);
                batch = await source.BatchAsync(reader, sealedThrough, cancellationToken);
            }
        }
        if (batch is null)
        {
            await using var reading = new NpgsqlBatch(connection, transaction);
            reading.BatchCommands.Add(source.Command(sealedThrough));
            await using var reader = await reading.ExecuteReaderAsync(cancellationToken);
            batch = await source.BatchAsync(reader, sealedThrough, cancellationToken);
        }
        return await SealLockedAsync(connection, transaction, treeSize, sealedThrough, batch, edge, cancellationToken);
    }

    private async Task<SealResult> SealLockedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long treeSize, long sealedThrough, LedgerBatch batch, Edge? edge,
        CancellationToken cancellationToken)
    {
        Validate(batch);
        if (batch.After > sealedThrough)
            throw new LedgerGapException(sealedThrough, batch.After);

        var firstNew = 0;
        while (firstNew < batch.Entries.Count && batch.Entries[firstNew].Position <= sealedThrough)
            firstNew++;
        if (batch.After < sealedThrough)
            await CheckRedeliveryAsync(connection, transaction, batch, Math.Min(batch.Through, sealedThrough), firstNew, cancellationToken);

        var frontier = edge is not null && edge.TreeSize == treeSize && edge.SealedThrough == sealedThrough
            ? edge.Frontier
            : null;
        if (batch.Through <= sealedThrough)
        {
            await transaction.CommitAsync(cancellationToken);
            var root = frontier?.Root() ?? await LedgerReader.RootAsync(connection, null, treeSize, cancellationToken);
            if (frontier is not null)
                _edge = edge;
            return new SealResult(0, firstNew, new TreeHead(treeSize, root));
        }

        frontier ??= await Frontier.LoadAsync(connection, transaction, treeSize, cancellationToken);
        var count = batch.Entries.Count - firstNew;
        var nodes = new List<(Subtree Node, byte[] Hash)>(count);
        try
        {
            await using (var leaves = await connection.BeginBinaryImportAsync(
                "COPY ledger_leaves (leaf_index, position, event_id, leaf_hash) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                for (var i = 0; i < count; i++)
                {
                    var entry = batch.Entries[firstNew + i];
                    // Hashed as the rows go out: the server takes in the importer's full buffers while the rest is hashed.
                    var leafHash = LeafEncoding.LeafHash(entry);
                    frontier.Append(leafHash, nodes);
                    // Synchronous writes fill the importer's buffer; only a full buffer goes to the server.
                    leaves.StartRow();
                    leaves.Write(treeSize + i, NpgsqlDbType.Bigint);
                    leaves.Write(entry.Position, NpgsqlDbType.Bigint);
                    leaves.Write(entry.EventId, NpgsqlDbType.Uuid);
                    leaves.Write(leafHash, NpgsqlDbType.Bytea);
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
        // Only a commit that answered puts the edge back: after any failure the next batch reads it from the tables.
        _edge = new Edge(treeSize + count, batch.Through, frontier);
        return new SealResult(count, firstNew, new TreeHead(treeSize + count, frontier.Root()));
    }

    private static NpgsqlBatch LockAndStateBatch(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var batch = new NpgsqlBatch(connection, transaction);
        var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)");
        lockCommand.Parameters.Add(new NpgsqlParameter { Value = AdvisoryLockKey });
        batch.BatchCommands.Add(lockCommand);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(HashStore.StateSql));
        return batch;
    }

    private static async Task<(long TreeSize, long SealedThrough)> ReadStateAsync(NpgsqlBatch locking, CancellationToken cancellationToken)
    {
        await using var reader = await locking.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await HashStore.ReadStateAsync(reader, cancellationToken);
    }

    private sealed record Edge(long TreeSize, long SealedThrough, Frontier Frontier);

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
