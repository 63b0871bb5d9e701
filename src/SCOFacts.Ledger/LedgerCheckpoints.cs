using Npgsql;

namespace SCOFacts.Ledger;

/// <summary>Signs the current tree head and keeps every checkpoint signed.</summary>
public sealed class LedgerCheckpoints
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly LedgerSigningKey _key;

    /// <summary>Creates the checkpoint keeper for <paramref name="dataSource"/>'s ledger, signing with <paramref name="key"/>.</summary>
    public LedgerCheckpoints(NpgsqlDataSource dataSource, LedgerSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(key);
        _dataSource = dataSource;
        _key = key;
    }

    /// <summary>
    /// The checkpoint for the current tree: signed and stored now, or the one stored before when the tree has not grown.
    /// Runs under the sealer's lock, so the head it signs is one the sealer committed.
    /// </summary>
    public async Task<string> SignLatestAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = LedgerSealer.AdvisoryLockKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        var (size, _) = await HashStore.ReadStateAsync(connection, transaction, cancellationToken);
        await using (var existing = new NpgsqlCommand("SELECT checkpoint FROM ledger_checkpoints WHERE tree_size = $1", connection, transaction))
        {
            existing.Parameters.Add(new NpgsqlParameter { Value = size });
            if (await existing.ExecuteScalarAsync(cancellationToken) is string stored)
                return stored;
        }
        var head = new TreeHead(size, await LedgerReader.RootAsync(connection, transaction, size, cancellationToken));
        var checkpoint = _key.SignCheckpoint(head);
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO ledger_checkpoints (tree_size, root_hash, checkpoint) VALUES ($1, $2, $3)", connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = head.TreeSize });
            insert.Parameters.Add(new NpgsqlParameter { Value = head.RootHash });
            insert.Parameters.Add(new NpgsqlParameter { Value = checkpoint });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return checkpoint;
    }

    /// <summary>The checkpoint with the largest tree signed so far, or null before the first.</summary>
    public async Task<string?> GetLatestAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT checkpoint FROM ledger_checkpoints ORDER BY tree_size DESC LIMIT 1");
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
