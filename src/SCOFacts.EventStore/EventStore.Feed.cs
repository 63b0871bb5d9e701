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
}
