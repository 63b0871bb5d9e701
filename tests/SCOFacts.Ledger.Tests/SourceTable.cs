using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace SCOFacts.Ledger.Tests;

/// <summary>
/// A real table of events standing in for the store's: entries are written to it and read back as PostgreSQL renders
/// them, so what the ledger seals is what a reader of the table sees.
/// </summary>
public sealed class SourceTable
{
    private readonly NpgsqlDataSource _dataSource;

    private SourceTable(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    public static async Task<SourceTable> CreateAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            """
            CREATE TABLE source_events (
                position       bigint      PRIMARY KEY,
                event_id       uuid        NOT NULL,
                stream_id      text        NOT NULL,
                stream_version bigint      NOT NULL,
                event_type     text        NOT NULL,
                recorded_at    timestamptz NOT NULL,
                data           jsonb       NOT NULL,
                metadata       jsonb       NOT NULL
            )
            """);
        await command.ExecuteNonQueryAsync();
        return new SourceTable(dataSource);
    }

    /// <summary>Writes events at <paramref name="positions"/> and returns them as read back.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> AddAsync(IEnumerable<long> positions, string stream = "fact-1")
    {
        var list = positions.ToArray();
        await using var command = _dataSource.CreateCommand(
            """
            INSERT INTO source_events
            SELECT p, gen_random_uuid(), $2, p, 'ClaimRecorded', TIMESTAMPTZ '2026-01-01 00:00:00Z' + p * INTERVAL '1.000001 second',
                   jsonb_build_object('claimId', 'c-' || p, 'value', p * 1.5, 'quote', 'a quote ' || repeat('é', (p % 5)::int)),
                   jsonb_build_object('userName', 'checker', 'correlationId', 'corr-' || p)
            FROM unnest($1::bigint[]) AS u(p)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = list, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = stream });
        await command.ExecuteNonQueryAsync();
        return await ReadAsync(list.Min() - 1, list.Max());
    }

    public async Task<IReadOnlyList<LedgerEntry>> AddRangeAsync(long first, int count) =>
        await AddAsync(Enumerable.Range(0, count).Select(i => first + i));

    /// <summary>The events with positions in (after, through], in position order.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> ReadAsync(long after, long through)
    {
        var entries = new List<LedgerEntry>();
        await foreach (var entry in ReadAllAsync(after, through))
            entries.Add(entry);
        return entries;
    }

    public async IAsyncEnumerable<LedgerEntry> ReadAllAsync(long after = 0, long through = long.MaxValue, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            """
            SELECT position, event_id, stream_id, stream_version, event_type, recorded_at, data::text, metadata::text
            FROM source_events WHERE position > $1 AND position <= $2 ORDER BY position
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = through });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new LedgerEntry(
                reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.GetString(7));
        }
    }

    public async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = _dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await command.ExecuteNonQueryAsync();
    }

    public static string Describe(IEnumerable<LedgerFinding> findings) =>
        string.Join("; ", findings.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Kind}@{f.Position}: {f.Detail}")));
}
