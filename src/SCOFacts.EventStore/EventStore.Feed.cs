using Npgsql;
using NpgsqlTypes;

namespace SCOFacts.EventStore;

public sealed partial class EventStore
{
    // Only transactions older than every running one are read: identity values are handed
    // out before commit, so a later-committing writer can hold a lower position than one
    // already read. Ordering by transaction id and cutting at the snapshot's xmin means
    // nothing can ever commit before a position the feed has passed.
    private const string FeedSql =
        $"SELECT {EventColumns} FROM events " +
        "WHERE (transaction_id, global_position) > ($1::xid8, $2) " +
        "AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) " +
        "ORDER BY transaction_id, global_position LIMIT $3";

    private const string FrozenFeedSql =
        $"SELECT {EventColumns} FROM events " +
        "WHERE (transaction_id, global_position) > ($1::xid8, $2) " +
        "ORDER BY transaction_id, global_position LIMIT $3";

    /// <summary>
    /// Reads the global log in commit order after a position, never skipping an event:
    /// a transaction still running holds the feed back until it ends.
    /// </summary>
    public async Task<FeedPage> ReadFeedAsync(FeedPosition after, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return await ReadFeedAsync(connection, null, after, limit, cancellationToken);
    }

    /// <summary>Reads the feed on the caller's connection (and transaction, if any).</summary>
    public async Task<FeedPage> ReadFeedAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, FeedPosition after, int limit,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var command = new NpgsqlCommand(Options.Frozen ? FrozenFeedSql : FeedSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = after.TransactionId.ToString(System.Globalization.CultureInfo.InvariantCulture), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = after.GlobalPosition, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        var events = await ReadEventsAsync(command, cancellationToken);
        return new FeedPage(events, events.Count == 0 ? after : events[^1].FeedPosition);
    }

    /// <summary>How far a reader at a position is behind the log, and what holds the feed back.</summary>
    public async Task<FeedLag> GetLagAsync(FeedPosition position, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand(
            "SELECT count(*), min(recorded_at), " +
            "(SELECT extract(epoch FROM clock_timestamp() - min(xact_start)) FROM pg_stat_activity " +
            " WHERE backend_xid IS NOT NULL AND datname = current_database()) " +
            "FROM events WHERE (transaction_id, global_position) > ($1::xid8, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = position.TransactionId.ToString(System.Globalization.CultureInfo.InvariantCulture), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = position.GlobalPosition, NpgsqlDbType = NpgsqlDbType.Bigint });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var behind = reader.GetInt64(0);
        var oldestUnread = reader.IsDBNull(1) ? (DateTime?)null : reader.GetFieldValue<DateTime>(1);
        var oldestWriter = reader.IsDBNull(2) ? 0 : (double)reader.GetDecimal(2);
        var seconds = oldestUnread is { } t ? Math.Max(0, (DateTime.UtcNow - t).TotalSeconds) : 0;
        return new FeedLag(behind, seconds, oldestWriter);
    }
}

/// <summary>A feed reader's distance from the head of the log.</summary>
/// <param name="EventsBehind">Committed or in-flight events after the reader's position.</param>
/// <param name="SecondsBehind">Age of the oldest of those events (0 when caught up).</param>
/// <param name="OldestWriterSeconds">Age of the oldest open writing transaction: how long the feed may be held back.</param>
public sealed record FeedLag(long EventsBehind, double SecondsBehind, double OldestWriterSeconds);
