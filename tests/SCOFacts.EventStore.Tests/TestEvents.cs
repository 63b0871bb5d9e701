using Npgsql;
using SCOFacts.EventStore.Projections;

namespace SCOFacts.EventStore.Tests;

public sealed record Counted(int N);

public sealed record Renamed(string Name);

internal static class TestStores
{
    public static EventStore Create(NpgsqlDataSource dataSource, NotifyMode notify = NotifyMode.AfterCommit, params IProjection[] inline)
    {
        var options = new EventStoreOptions
        {
            Types = new EventTypeRegistry().Register<Counted>().Register<Renamed>(),
            Notify = notify,
        };
        foreach (var projection in inline) options.InlineProjections.Add(projection);
        return new EventStore(dataSource, options);
    }

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

/// <summary>
/// Records every event it is given, one row per application, so tests can prove each
/// committed event was applied exactly once (a duplicate shows as a second row).
/// </summary>
internal sealed class RecordingProjection(string name, string table, string appliedBy = "") : IProjection
{
    public string Name => name;

    public IReadOnlyList<ProjectionTable> Tables => [new(table)];

    public static async Task CreateTableAsync(NpgsqlDataSource dataSource, string table) =>
        await TestStores.ExecuteAsync(dataSource,
            $"CREATE TABLE IF NOT EXISTS {table} (global_position bigint NOT NULL, stream_id text NOT NULL, stream_version bigint NOT NULL, n int NOT NULL, applied_by text NOT NULL)");

    public async Task ApplyAsync(NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(transaction.Connection, transaction);
        foreach (var e in events)
        {
            var command = new NpgsqlBatchCommand($"INSERT INTO {table} (global_position, stream_id, stream_version, n, applied_by) VALUES ($1, $2, $3, $4, $5)");
            command.Parameters.Add(new NpgsqlParameter { Value = e.GlobalPosition });
            command.Parameters.Add(new NpgsqlParameter { Value = e.StreamId });
            command.Parameters.Add(new NpgsqlParameter { Value = e.StreamVersion });
            command.Parameters.Add(new NpgsqlParameter { Value = e.Data is Counted c ? c.N : -1 });
            command.Parameters.Add(new NpgsqlParameter { Value = appliedBy });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
