using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace SCOFacts.Ledger;

/// <summary>
/// The stored rows of Marten's event table (<c>mt_events</c>) read as the ledger seals them: the JSON and metadata as
/// PostgreSQL renders the stored values, never the application's own serialisation (docs/ledger.md, "Leaf bytes").
/// Needs Marten's user name, correlation, causation and headers metadata columns enabled.
/// </summary>
public sealed class MartenEventRows
{
    // The metadata object is built from the columns by the server, so its text (key order, spacing, numbers) is a
    // function of the stored values alone, the same for every reader, and null where a column is null.
    private const string Columns =
        """
        seq_id, id, stream_id::text, version, type, timestamp, data::text,
        jsonb_build_object(
            'tenantId', tenant_id, 'dotnetType', mt_dotnet_type, 'userName', user_name,
            'correlationId', correlation_id, 'causationId', causation_id, 'headers', headers)::text
        """;

    // What the sealer reads: the same values, with the metadata's columns as stored, for EventMetadataJson to render
    // the object the server would (the server's jsonb_build_object cost more than all the rest of the row).
    private const string SealingColumns =
        """
        seq_id, id, stream_id::text, version, type, timestamp, data::text,
        tenant_id, mt_dotnet_type, user_name, correlation_id, causation_id, headers::text
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;

    /// <summary>Reads the events of <paramref name="dataSource"/>'s database, in Marten's events schema <paramref name="schema"/>.</summary>
    public MartenEventRows(NpgsqlDataSource dataSource, string schema = "public")
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentException.ThrowIfNullOrWhiteSpace(schema);
        _dataSource = dataSource;
        _table = QuoteIdentifier(schema) + ".mt_events";
    }

    /// <summary>The schema-qualified event table.</summary>
    public string Table => _table;

    /// <summary>
    /// Every event in the table, in position order, for <see cref="LedgerAudit.VerifyAsync"/>: archived events and
    /// tombstones included, so an event the sealer was never given shows up instead of passing unseen.
    /// </summary>
    public async IAsyncEnumerable<LedgerEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM {_table} ORDER BY seq_id", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return Read(reader);
    }

    /// <summary>
    /// The statement reading, inside the sealing transaction, the events at <paramref name="positions"/> (increasing)
    /// and every event with a position in (<paramref name="after"/>, <paramref name="through"/>], in position order,
    /// for <see cref="ReadSealingRowsAsync"/>.
    /// </summary>
    internal NpgsqlBatchCommand SealingRowsCommand(long[] positions, long after, long through)
    {
        // Live sealing never redelivers: then a plain range scan on the primary key does, without the OR that would
        // turn it into a bitmap of two index scans.
        var redelivered = positions.Length > 0 && positions[0] <= after;
        var command = new NpgsqlBatchCommand(
            redelivered
                ? $"SELECT {SealingColumns} FROM {_table} WHERE seq_id = ANY($3) OR (seq_id > $1 AND seq_id <= $2) ORDER BY seq_id"
                : $"SELECT {SealingColumns} FROM {_table} WHERE seq_id > $1 AND seq_id <= $2 ORDER BY seq_id");
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = through });
        if (redelivered)
            command.Parameters.Add(new NpgsqlParameter { Value = positions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        return command;
    }

    /// <summary>The entries of the result set <paramref name="reader"/> stands on, made by <see cref="SealingRowsCommand"/>.</summary>
    internal static async Task<List<LedgerEntry>> ReadSealingRowsAsync(NpgsqlDataReader reader, int expected, CancellationToken cancellationToken)
    {
        var entries = new List<LedgerEntry>(expected);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new LedgerEntry(
                reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6),
                EventMetadataJson.Render(
                    tenantId: NullableString(reader, 7), dotnetType: NullableString(reader, 8), userName: NullableString(reader, 9),
                    correlationId: NullableString(reader, 10), causationId: NullableString(reader, 11), headers: NullableString(reader, 12))));
        }
        return entries;
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static LedgerEntry Read(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
            reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.GetString(7));

    private static string QuoteIdentifier(string name) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"");
}
