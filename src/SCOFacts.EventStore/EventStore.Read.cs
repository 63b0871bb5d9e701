using Npgsql;

namespace SCOFacts.EventStore;

public sealed partial class EventStore
{
    internal const string EventColumns =
        "global_position, transaction_id, stream_id, stream_version, event_type, data::text, metadata::text, recorded_at, hash";

    /// <summary>Reads a stream forward, within the bounds given.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(
        string streamId, StreamReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return await ReadStreamAsync(connection, null, streamId, options ?? StreamReadOptions.All, cancellationToken);
    }

    /// <summary>Reads a stream forward on the caller's connection and transaction.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string streamId,
        StreamReadOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        await using var command = new NpgsqlCommand(
            $"SELECT {EventColumns} FROM events WHERE stream_id = $1 " +
            "AND stream_version >= $2 AND stream_version <= $3 AND recorded_at <= $4 " +
            "ORDER BY stream_version", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        command.Parameters.Add(new NpgsqlParameter { Value = options.FromVersion ?? 1 });
        command.Parameters.Add(new NpgsqlParameter { Value = options.ToVersion ?? long.MaxValue });
        command.Parameters.Add(new NpgsqlParameter { Value = (options.ToTimestamp ?? DateTimeOffset.MaxValue).UtcDateTime });
        return await ReadEventsAsync(command, cancellationToken);
    }

    /// <summary>
    /// Folds a stream into a state: at its latest version, at a version, or as it stood
    /// at a moment (time travel is a fold over a prefix of the stream).
    /// </summary>
    /// <returns>The state and the version it reflects (0 when the stream is empty or absent).</returns>
    public async Task<(TState State, long Version)> AggregateStreamAsync<TState>(
        string streamId,
        TState initial,
        Func<TState, StoredEvent, TState> evolve,
        StreamReadOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evolve);
        var events = await ReadStreamAsync(streamId, options, cancellationToken);
        var state = initial;
        foreach (var e in events) state = evolve(state, e);
        return (state, events.Count == 0 ? 0 : events[^1].StreamVersion);
    }

    /// <summary>The stream's current version, or null when it does not exist.</summary>
    public async Task<long?> GetStreamVersionAsync(string streamId, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("SELECT version FROM streams WHERE stream_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        return await command.ExecuteScalarAsync(cancellationToken) is long version ? version : null;
    }

    internal async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) events.Add(ReadEvent(reader));
        return events;
    }

    internal StoredEvent ReadEvent(NpgsqlDataReader reader)
    {
        var type = reader.GetString(4);
        var data = reader.GetString(5);
        return new StoredEvent(
            GlobalPosition: reader.GetInt64(0),
            StreamId: reader.GetString(2),
            StreamVersion: reader.GetInt64(3),
            EventType: type,
            Data: Types.Deserialize(type, data),
            DataJson: data,
            Metadata: Types.DeserializeMetadata(reader.GetString(6)),
            RecordedAt: new DateTimeOffset(reader.GetFieldValue<DateTime>(7), TimeSpan.Zero))
        {
            TransactionId = reader.GetFieldValue<ulong>(1),
            Hash = reader.GetFieldValue<byte[]>(8),
        };
    }
}
