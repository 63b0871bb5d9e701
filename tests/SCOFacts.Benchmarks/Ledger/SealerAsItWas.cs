using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Npgsql;
using NpgsqlTypes;
using SCOFacts.Ledger;

namespace SCOFacts.Benchmarks.LedgerBench;

/// <summary>
/// The sealer's daemon batch as it was before the sealer read its rows with its lock and rendered their metadata itself,
/// kept here so that "before" and "after" are measured in the same run, on the same database and machine load. Its round
/// trips and statements are those of that code: the lock and state; the rows with the metadata object built by the
/// server; the stored edge of the tree; every leaf hashed; two COPYs; the batch row; the commit. It seals the same
/// bytes (the benchmark checks the roots agree) and serves only the benchmark's catch-up, which never redelivers.
/// </summary>
internal sealed class SealerAsItWas(NpgsqlDataSource dataSource) : IProjection
{
    private const string Columns =
        """
        seq_id, id, stream_id::text, version, type, timestamp, data::text,
        jsonb_build_object(
            'tenantId', tenant_id, 'dotnetType', mt_dotnet_type, 'userName', user_name,
            'correlationId', correlation_id, 'causationId', causation_id, 'headers', headers)::text
        """;

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        if (events.Count == 0)
            return;
        var positions = events.Select(e => e.Sequence).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);

        long treeSize = 0, sealedThrough = 0;
        await using (var locking = new NpgsqlBatch(connection, transaction))
        {
            var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)");
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = LedgerSealer.AdvisoryLockKey });
            locking.BatchCommands.Add(lockCommand);
            locking.BatchCommands.Add(new NpgsqlBatchCommand(HashStore.StateSql));
            await using var reader = await locking.ExecuteReaderAsync(cancellation);
            await reader.NextResultAsync(cancellation);
            (treeSize, sealedThrough) = await HashStore.ReadStateAsync(reader, cancellation);
        }
        if (positions[0] <= sealedThrough)
            throw new NotSupportedException("The benchmark's catch-up never redelivers.");

        var through = positions[^1];
        var entries = new List<LedgerEntry>(positions.Length);
        await using (var read = new NpgsqlCommand($"SELECT {Columns} FROM mt_events WHERE seq_id > $1 AND seq_id <= $2 ORDER BY seq_id", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = sealedThrough });
            read.Parameters.Add(new NpgsqlParameter { Value = through });
            await using var reader = await read.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
            {
                entries.Add(new LedgerEntry(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
                    reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.GetString(7)));
            }
        }
        if (!entries.Select(e => e.Position).SequenceEqual(positions))
            throw new InvalidOperationException("The rows read back are not the events delivered.");

        var frontier = await Frontier.LoadAsync(connection, transaction, treeSize, cancellation);
        var leafHashes = new byte[entries.Count][];
        var nodes = new List<(Subtree Node, byte[] Hash)>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            leafHashes[i] = LeafEncoding.LeafHash(entries[i]);
            frontier.Append(leafHashes[i], nodes);
        }
        await using (var leaves = await connection.BeginBinaryImportAsync(
            "COPY ledger_leaves (leaf_index, position, event_id, leaf_hash) FROM STDIN (FORMAT BINARY)", cancellation))
        {
            for (var i = 0; i < entries.Count; i++)
            {
                leaves.StartRow();
                leaves.Write(treeSize + i, NpgsqlDbType.Bigint);
                leaves.Write(entries[i].Position, NpgsqlDbType.Bigint);
                leaves.Write(entries[i].EventId, NpgsqlDbType.Uuid);
                leaves.Write(leafHashes[i], NpgsqlDbType.Bytea);
            }
            await leaves.CompleteAsync(cancellation);
        }
        if (nodes.Count > 0)
        {
            await using var writer = await connection.BeginBinaryImportAsync("COPY ledger_nodes (level, node_index, hash) FROM STDIN (FORMAT BINARY)", cancellation);
            foreach (var (node, hash) in nodes)
            {
                writer.StartRow();
                writer.Write((short)node.Level, NpgsqlDbType.Smallint);
                writer.Write(node.Index, NpgsqlDbType.Bigint);
                writer.Write(hash, NpgsqlDbType.Bytea);
            }
            await writer.CompleteAsync(cancellation);
        }
        await using (var record = new NpgsqlCommand(
            "INSERT INTO ledger_batches (after_position, through_position, first_leaf, leaf_count) VALUES ($1, $2, $3, $4)", connection, transaction))
        {
            record.Parameters.Add(new NpgsqlParameter { Value = sealedThrough });
            record.Parameters.Add(new NpgsqlParameter { Value = through });
            record.Parameters.Add(new NpgsqlParameter { Value = treeSize });
            record.Parameters.Add(new NpgsqlParameter { Value = entries.Count });
            await record.ExecuteNonQueryAsync(cancellation);
        }
        await transaction.CommitAsync(cancellation);
    }
}
