using Npgsql;

namespace SCOFacts.EventStore;

public sealed partial class EventStore
{
    internal const string EventColumns =
        "global_position, transaction_id, stream_id, stream_version, event_type, data::text, metadata::text, recorded_at, hash";

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
