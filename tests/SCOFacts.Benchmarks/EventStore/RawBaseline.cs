using Npgsql;
using NpgsqlTypes;
using SCOFacts.EventStore;

namespace SCOFacts.Benchmarks.EventStoreBench;

/// <summary>
/// The baseline for appends: plain INSERTs of the same rows into a table shaped like <c>events</c>
/// (identity key, unique (stream_id, stream_version), index on (transaction_id, global_position))
/// with no function, no hash and no streams table; one transaction per append, as the store does.
/// </summary>
internal static class RawBaseline
{
    public const string Table = "raw_events";

    public static async Task CreateAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand($"""
            CREATE TABLE {Table} (
                global_position bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                stream_id       text        NOT NULL,
                stream_version  bigint      NOT NULL,
                event_type      text        NOT NULL,
                data            jsonb       NOT NULL,
                metadata        jsonb       NOT NULL,
                recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
                transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
                UNIQUE (stream_id, stream_version)
            );
            CREATE INDEX {Table}_feed_order ON {Table} (transaction_id, global_position);
            """);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Appends events as versions 1..n of a new stream, serialising them as the store would.</summary>
    public static async Task AppendAsync(NpgsqlDataSource dataSource, string streamId, IReadOnlyList<object> events, EventMetadata metadata)
    {
        var metadataJson = Workload.SerializeMetadata(metadata);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (events.Count == 1)
        {
            await using var command = new NpgsqlCommand(
                $"INSERT INTO {Table} (stream_id, stream_version, event_type, data, metadata) VALUES ($1, $2, $3, $4, $5)",
                connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = streamId, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = 1L, NpgsqlDbType = NpgsqlDbType.Bigint });
            command.Parameters.Add(new NpgsqlParameter { Value = Workload.EventType, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = Workload.Serialize(events[0]), NpgsqlDbType = NpgsqlDbType.Jsonb });
            command.Parameters.Add(new NpgsqlParameter { Value = metadataJson, NpgsqlDbType = NpgsqlDbType.Jsonb });
            await command.ExecuteNonQueryAsync();
        }
        else
        {
            var versions = new long[events.Count];
            var types = new string[events.Count];
            var data = new string[events.Count];
            var metadatas = new string[events.Count];
            for (var i = 0; i < events.Count; i++)
            {
                versions[i] = i + 1;
                types[i] = Workload.EventType;
                data[i] = Workload.Serialize(events[i]);
                metadatas[i] = metadataJson;
            }
            await using var command = new NpgsqlCommand(
                $"INSERT INTO {Table} (stream_id, stream_version, event_type, data, metadata) " +
                "SELECT $1, v, t, d, m FROM unnest($2::bigint[], $3::text[], $4::jsonb[], $5::jsonb[]) AS u(v, t, d, m)",
                connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = streamId, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = versions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            command.Parameters.Add(new NpgsqlParameter { Value = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            command.Parameters.Add(new NpgsqlParameter { Value = metadatas, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            await command.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }
}
