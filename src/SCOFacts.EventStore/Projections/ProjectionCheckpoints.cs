using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace SCOFacts.EventStore.Projections;

/// <summary>Reads and advances projection checkpoints (rows of projection_checkpoints).</summary>
public static class ProjectionCheckpoints
{
    /// <summary>Creates the checkpoint row at the start of the feed if it is missing.</summary>
    public static async Task EnsureAsync(NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A projection's checkpoint (the start when it has none).</summary>
    public static async Task<FeedPosition> ReadAsync(NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadAsync(connection, null, name, cancellationToken);
    }

    /// <summary>A projection's checkpoint, read on the caller's connection.</summary>
    public static async Task<FeedPosition> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT transaction_id, global_position FROM projection_checkpoints WHERE name = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1))
            : FeedPosition.Start;
    }

    /// <summary>
    /// Moves a checkpoint from <paramref name="from"/> to <paramref name="to"/> if, and only
    /// if, it is still at <paramref name="from"/>; false when another writer moved it first.
    /// </summary>
    public static async Task<bool> AdvanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name,
        FeedPosition from, FeedPosition to, CancellationToken cancellationToken)
    {
        if (to < from) throw new InvalidOperationException($"Checkpoint {name} would move back from {from} to {to}.");
        await using var command = new NpgsqlCommand(
            "UPDATE projection_checkpoints SET transaction_id = $2::xid8, global_position = $3, updated_at = clock_timestamp() " +
            "WHERE name = $1 AND transaction_id = $4::xid8 AND global_position = $5", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter { Value = to.TransactionId.ToString(CultureInfo.InvariantCulture), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = to.GlobalPosition });
        command.Parameters.Add(new NpgsqlParameter { Value = from.TransactionId.ToString(CultureInfo.InvariantCulture), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = from.GlobalPosition });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
