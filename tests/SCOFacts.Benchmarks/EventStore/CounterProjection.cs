using Npgsql;
using NpgsqlTypes;
using SCOFacts.EventStore;
using SCOFacts.EventStore.Projections;

namespace SCOFacts.Benchmarks.EventStoreBench;

/// <summary>
/// A cheap asynchronous projection: a per-stream event counter. Each batch is folded in memory
/// and written with one statement (an upsert from arrays), so the projection itself costs little
/// and the benchmark measures the daemon and the feed.
/// </summary>
internal sealed class CounterProjection(string table) : IProjection
{
    public string Name => "bench-" + table;

    public IReadOnlyList<ProjectionTable> Tables => [new ProjectionTable(table)];

    public static async Task CreateTableAsync(NpgsqlDataSource dataSource, string table)
    {
        await using var command = dataSource.CreateCommand(
            $"CREATE TABLE {table} (stream_id text PRIMARY KEY, events bigint NOT NULL, last_version bigint NOT NULL)");
        await command.ExecuteNonQueryAsync();
    }

    public Task ApplyAsync(NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(events);
        var counts = new Dictionary<string, (long Events, long LastVersion)>(StringComparer.Ordinal);
        foreach (var e in events) Count(counts, e.StreamId, e.StreamVersion);
        return UpsertAsync(transaction, table, counts, cancellationToken);
    }

    public static void Count(Dictionary<string, (long Events, long LastVersion)> counts, string streamId, long version)
    {
        counts[streamId] = counts.TryGetValue(streamId, out var c) ? (c.Events + 1, Math.Max(c.LastVersion, version)) : (1, version);
    }

    public static async Task UpsertAsync(NpgsqlTransaction transaction, string table,
        Dictionary<string, (long Events, long LastVersion)> counts, CancellationToken cancellationToken)
    {
        if (counts.Count == 0) return;
        var ids = new string[counts.Count];
        var numbers = new long[counts.Count];
        var versions = new long[counts.Count];
        var i = 0;
        foreach (var (id, (n, version)) in counts)
        {
            ids[i] = id;
            numbers[i] = n;
            versions[i] = version;
            i++;
        }
        await using var command = new NpgsqlCommand(
            $"INSERT INTO {table} AS t (stream_id, events, last_version) " +
            "SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) " +
            "ON CONFLICT (stream_id) DO UPDATE SET events = t.events + excluded.events, " +
            "last_version = greatest(t.last_version, excluded.last_version)",
            transaction.Connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = numbers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = versions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
