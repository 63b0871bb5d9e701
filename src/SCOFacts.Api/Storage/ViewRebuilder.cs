using System.Data;
using Npgsql;
using SCOFacts.EventStore;
using SCOFacts.EventStore.Projections;

namespace SCOFacts.Api.Storage;

/// <summary>What a rebuild found and did.</summary>
/// <param name="Projection">The projection rebuilt.</param>
/// <param name="EventsReplayed">Events applied to the rebuilt copy.</param>
/// <param name="Differences">Rows that differ between live and rebuilt tables (at most 100 listed).</param>
/// <param name="DifferenceCount">How many rows differ in all.</param>
/// <param name="Replaced">True when the live rows were replaced by the rebuilt ones.</param>
public sealed record RebuildReport(string Projection, long EventsReplayed, IReadOnlyList<RowDifference> Differences, long DifferenceCount, bool Replaced)
{
    /// <summary>True when the rebuild produced exactly the live rows.</summary>
    public bool Matches => DifferenceCount == 0;
}

/// <summary>A row present on one side only.</summary>
/// <param name="Table">The table.</param>
/// <param name="Side">"live-only" or "rebuilt-only".</param>
/// <param name="Row">The row as JSON.</param>
public sealed record RowDifference(string Table, string Side, string Row);

/// <summary>
/// Rebuilds an inline projection's views from Marten's events into temporary copies of its tables, then either
/// compares them with the live rows (verify) or swaps them in (replace).
/// </summary>
/// <remarks>
/// Everything happens in one repeatable-read transaction, so the live rows and the events replayed are one
/// consistent snapshot: an inline projection's rows reflect every event visible in it. Replacing locks the live
/// tables against writers for the duration.
/// </remarks>
public sealed class ViewRebuilder(NpgsqlDataSource dataSource)
{
    private const int BatchSize = 1000;

    /// <summary>Rebuilds a projection; with <paramref name="replace"/> false nothing is changed.</summary>
    public Task<RebuildReport> RebuildAsync(IProjection projection, bool replace, CancellationToken cancellationToken = default) =>
        RebuildAsync(projection, replace, progress: null, cancellationToken);

    /// <summary>As <see cref="RebuildAsync(IProjection, bool, CancellationToken)"/>, reporting the events replayed so far after each batch.</summary>
    public async Task<RebuildReport> RebuildAsync(IProjection projection, bool replace, IProgress<long>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(projection);
        if (projection.Tables.Count == 0)
            throw new InvalidOperationException($"Projection {projection.Name} owns no rebuildable table.");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        if (replace)
        {
            // LOCK takes no snapshot, so the snapshot that follows sees everything committed before it.
            var locked = projection.Tables.Select(t => Quote(t.Name)).ToList();
            await ExecuteAsync(connection, transaction, $"LOCK TABLE {string.Join(", ", locked)} IN EXCLUSIVE MODE", cancellationToken);
        }

        var schema = (string)(await ScalarAsync(connection, transaction, "SELECT current_schema()", cancellationToken))!;

        foreach (var table in projection.Tables)
        {
            await ExecuteAsync(connection, transaction,
                $"CREATE TEMP TABLE {Quote(table.Name)} (LIKE {Quote(schema)}.{Quote(table.Name)} INCLUDING ALL) ON COMMIT DROP", cancellationToken);
        }

        var replayed = await ReplayByStreamAsync(connection, transaction, projection, progress, cancellationToken);

        var differences = new List<RowDifference>();
        long differenceCount = 0;
        foreach (var table in projection.Tables)
        {
            var columns = await ComparedColumnsAsync(connection, transaction, schema, table, cancellationToken);
            var live = $"{Quote(schema)}.{Quote(table.Name)}";
            var rebuilt = $"pg_temp.{Quote(table.Name)}";
            var sql =
                $"WITH live_only AS (SELECT {columns} FROM {live} EXCEPT ALL SELECT {columns} FROM {rebuilt}), " +
                $"rebuilt_only AS (SELECT {columns} FROM {rebuilt} EXCEPT ALL SELECT {columns} FROM {live}) " +
                "SELECT side, row_json, count(*) OVER () FROM (" +
                "SELECT 'live-only' AS side, row_to_json(l)::text AS row_json FROM live_only l " +
                "UNION ALL SELECT 'rebuilt-only', row_to_json(r)::text FROM rebuilt_only r) d ORDER BY side, row_json LIMIT 100";
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var counted = false;
            while (await reader.ReadAsync(cancellationToken))
            {
                differences.Add(new RowDifference(table.Name, reader.GetString(0), reader.GetString(1)));
                if (!counted) { differenceCount += reader.GetInt64(2); counted = true; }
            }
        }

        if (!replace)
        {
            await transaction.RollbackAsync(cancellationToken);
            return new RebuildReport(projection.Name, replayed, differences, differenceCount, Replaced: false);
        }

        foreach (var table in projection.Tables)
        {
            var live = $"{Quote(schema)}.{Quote(table.Name)}";
            await ExecuteAsync(connection, transaction, $"DELETE FROM {live}", cancellationToken);
            await ExecuteAsync(connection, transaction,
                $"INSERT INTO {live} OVERRIDING SYSTEM VALUE SELECT * FROM pg_temp.{Quote(table.Name)}", cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new RebuildReport(projection.Name, replayed, differences, differenceCount, Replaced: true);
    }

    // Inline projections saw each stream's events in version order, one append at a time;
    // replaying stream by stream gives them the same view.
    private static async Task<long> ReplayByStreamAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IProjection projection, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        long replayed = 0;
        var afterStream = "";
        long afterVersion = 0;
        while (true)
        {
            await using var command = new NpgsqlCommand(
                $"SELECT {ScoFactsEvents.EventColumns} FROM mt_events WHERE (stream_id, version) > ($1, $2) " +
                "ORDER BY stream_id, version LIMIT $3", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = afterStream });
            command.Parameters.Add(new NpgsqlParameter { Value = afterVersion });
            command.Parameters.Add(new NpgsqlParameter { Value = BatchSize });
            var batch = await ScoFactsEvents.ReadEventsAsync(command, cancellationToken);
            if (batch.Count == 0) return replayed;
            foreach (var run in RunsByStream(batch))
                await projection.ApplyAsync(transaction, run, cancellationToken);
            replayed += batch.Count;
            progress?.Report(replayed);
            (afterStream, afterVersion) = (batch[^1].StreamId, batch[^1].StreamVersion);
        }
    }

    private static IEnumerable<IReadOnlyList<StoredEvent>> RunsByStream(IReadOnlyList<StoredEvent> batch)
    {
        var start = 0;
        for (var i = 1; i <= batch.Count; i++)
        {
            if (i == batch.Count || !string.Equals(batch[i].StreamId, batch[start].StreamId, StringComparison.Ordinal))
            {
                yield return batch.Skip(start).Take(i - start).ToList();
                start = i;
            }
        }
    }

    private static async Task<string> ComparedColumnsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, ProjectionTable table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table.Name });
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var name = reader.GetString(0);
            if (!table.IgnoredColumns.Contains(name, StringComparer.Ordinal)) columns.Add(Quote(name));
        }
        return columns.Count > 0 ? string.Join(", ", columns)
            : throw new InvalidOperationException($"Table {table.Name} has no columns to compare (does it exist?).");
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
