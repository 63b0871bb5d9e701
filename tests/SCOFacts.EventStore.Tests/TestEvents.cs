using Npgsql;
using NpgsqlTypes;

namespace SCOFacts.EventStore.Tests;

public sealed record Counted(int N);

internal static class TestStores
{
    public static EventTypeRegistry Types() => new EventTypeRegistry().Register<Counted>();

    public static EventStore Create(NpgsqlDataSource dataSource) => new(dataSource, new EventStoreOptions { Types = Types() });

    public static EventMetadata Who(string principal = "tester", string? idempotencyKey = null) =>
        new(principal, Guid.NewGuid().ToString("N"), IdempotencyKey: idempotencyKey);

    public static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>One row an append function of the old log returned (a duplicate has no position of its own).</summary>
internal sealed record LegacyRow(long? GlobalPosition, long StreamVersion, bool Duplicate);

/// <summary>
/// Writes the pre-Marten log the way releases up to 0011 did, by calling the migrations' own append functions, so the
/// reader and verifier have a log to read: <c>append_event</c> for one event (from 0006 on), <c>append_events</c>
/// otherwise. An expected version follows the functions: -2 any version, -1 no stream, else the exact version.
/// </summary>
internal static class LegacyLog
{
    public static async Task<IReadOnlyList<LegacyRow>> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        string streamId, long expected, IReadOnlyList<Counted> events, EventMetadata metadata, bool singleEventFunction = true)
    {
        var types = TestStores.Types();
        var metadataJson = types.SerializeMetadata(metadata);
        var one = singleEventFunction && events.Count == 1;
        await using var command = new NpgsqlCommand(one
            ? "SELECT (r).global_position, (r).stream_version, (r).duplicate FROM (SELECT append_event($1, $2, $3, $4, $5, $6, $7) AS r) x"
            : "SELECT global_position, stream_version, duplicate FROM append_events($1, $2, $3, $4, $5, $6, $7)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = streamId.Split('-')[0], NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = expected, NpgsqlDbType = NpgsqlDbType.Bigint });
        if (one)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = types.NameOf(typeof(Counted)), NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = types.Serialize(events[0]), NpgsqlDbType = NpgsqlDbType.Jsonb });
            command.Parameters.Add(new NpgsqlParameter { Value = metadataJson, NpgsqlDbType = NpgsqlDbType.Jsonb });
        }
        else
        {
            command.Parameters.Add(new NpgsqlParameter { Value = events.Select(_ => types.NameOf(typeof(Counted))).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => types.Serialize(e)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            command.Parameters.Add(new NpgsqlParameter { Value = events.Select(_ => metadataJson).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        }
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)metadata.IdempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var rows = new List<LegacyRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(new LegacyRow(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.GetInt64(1), reader.GetBoolean(2)));
        return rows;
    }

    public static async Task<IReadOnlyList<LegacyRow>> AppendAsync(NpgsqlDataSource dataSource, string streamId, long expected,
        IReadOnlyList<Counted> events, EventMetadata metadata, bool singleEventFunction = true)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await AppendAsync(connection, null, streamId, expected, events, metadata, singleEventFunction);
    }
}
