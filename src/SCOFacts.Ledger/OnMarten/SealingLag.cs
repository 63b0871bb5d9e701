using Npgsql;

namespace SCOFacts.Ledger;

/// <summary>How far sealing trails the store.</summary>
/// <param name="UnsealedEvents">Events in the store beyond the last position the ledger covers.</param>
/// <param name="OldestUnsealedAge">How long ago the oldest of them was stored (zero when there is none).</param>
public sealed record SealingLag(long UnsealedEvents, TimeSpan OldestUnsealedAge)
{
    /// <summary>Reads the lag of the ledger in <paramref name="dataSource"/>'s database behind Marten's <paramref name="eventSchema"/>.mt_events.</summary>
    public static async Task<SealingLag> ReadAsync(NpgsqlDataSource dataSource, string eventSchema = "public", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var table = new MartenEventRows(dataSource, eventSchema).Table;
        // One statement, one snapshot: the covered position and the events beyond it are read at the same moment.
        // The age uses the server's clock, the one that stamped the events. Marten stamps the tombstones it writes
        // after a failed commit with -infinity: they count as unsealed, but have no age.
        await using var command = dataSource.CreateCommand(
            $"""
            WITH sealed AS (SELECT coalesce(max(through_position), 0) AS through FROM ledger_batches)
            SELECT count(*), coalesce(extract(epoch FROM clock_timestamp() - min(e.timestamp) FILTER (WHERE isfinite(e.timestamp))), 0)::float8
            FROM {table} e, sealed WHERE e.seq_id > sealed.through
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new SealingLag(reader.GetInt64(0), TimeSpan.FromSeconds(Math.Max(0, reader.GetDouble(1))));
    }
}
