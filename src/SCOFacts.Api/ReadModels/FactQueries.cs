using System.Text.Json;
using Npgsql;

namespace SCOFacts.Api.ReadModels;

/// <summary>One row of fact_views.</summary>
public sealed record FactRow(
    string FactId, string Subject, string Property, IReadOnlyDictionary<string, string> Qualifiers, string ValueType,
    string? Unit, string Description, long Version, string Verdict, string? ValueDisplay, double? ValueLower,
    double? ValueUpper, string? ValueKey, double Confidence, DateOnly? ReferenceDate, int ClaimCount,
    int ActiveClaimCount, int OpenDisputeCount, string Explanation, DateTimeOffset DefinedAt, DateTimeOffset UpdatedAt);

/// <summary>One row of source_views, with its learned weight if any.</summary>
public sealed record SourceRow(
    string SourceId, string Title, string Publisher, string? Author, string? Url, string? PublishedOn, string Kind,
    string Language, string? Document, string? Sha256, string? Note, double? RatedReliability, string? RatingReason,
    string? RatedBy, int RatingCount, int ClaimCount, int ActiveClaimCount, long Version, DateTimeOffset RegisteredAt,
    DateTimeOffset UpdatedAt, double? LearnedReliability, int LearnedSupport);

/// <summary>One row of claim_index.</summary>
public sealed record ClaimRow(string ClaimId, string FactId, string SourceId, string Status, long RecordedVersion, DateTimeOffset RecordedAt);

/// <summary>Filters on the fact list; every one is served by an index.</summary>
public sealed record FactFilter(string? Subject = null, string? Property = null, string? Verdict = null, string? SourceId = null);

/// <summary>A page of rows and the cursor for the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>The read side's SQL: endpoints ask here and never build queries themselves.</summary>
public sealed class FactQueries(NpgsqlDataSource dataSource)
{
    private const string FactColumns =
        "f.fact_id, f.subject, f.property, f.qualifiers::text, f.value_type, f.unit, f.description, f.version, f.verdict, " +
        "f.value_display, f.value_lower, f.value_upper, f.value_key, f.confidence, f.reference_date, f.claim_count, " +
        "f.active_claim_count, f.open_dispute_count, f.explanation, f.defined_at, f.updated_at";

    private const string SourceColumns =
        "s.source_id, s.title, s.publisher, s.author, s.url, s.published_on, s.kind, s.language, s.document, s.sha256, s.note, " +
        "s.rated_reliability, s.rating_reason, s.rated_by, s.rating_count, s.claim_count, s.active_claim_count, s.version, " +
        "s.registered_at, s.updated_at, t.reliability, coalesce(t.support, 0)";

    public async Task<Page<FactRow>> ListFactsAsync(FactFilter filter, string? afterFactId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var where = new List<string> { "($1::text IS NULL OR f.fact_id > $1)" };
        var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)afterFactId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        void Filter(string? value, string sql)
        {
            if (value is null) return;
            command.Parameters.Add(new NpgsqlParameter { Value = value });
            where.Add(sql.Replace("@", "$" + command.Parameters.Count, StringComparison.Ordinal));
        }
        Filter(filter.Subject, "f.subject = @");
        Filter(filter.Property, "f.property = @");
        Filter(filter.Verdict, "f.verdict = @");
        Filter(filter.SourceId, "EXISTS (SELECT 1 FROM claim_index c WHERE c.fact_id = f.fact_id AND c.source_id = @)");
        command.Parameters.Add(new NpgsqlParameter { Value = limit + 1 });
        command.CommandText = $"SELECT {FactColumns} FROM fact_views f WHERE {string.Join(" AND ", where)} ORDER BY f.fact_id LIMIT ${command.Parameters.Count}";
        await using (command)
        {
            var rows = await ReadAsync(command, ReadFact, cancellationToken);
            return PageOf(rows, limit, r => r.FactId);
        }
    }

    public async Task<FactRow?> GetFactAsync(string factId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {FactColumns} FROM fact_views f WHERE f.fact_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = factId });
        return (await ReadAsync(command, ReadFact, cancellationToken)).SingleOrDefault();
    }

    /// <summary>Sources by id, or by reliability (rated, else learned, else the default 0.5), best first.</summary>
    public async Task<Page<SourceRow>> ListSourcesAsync(bool byReliability, string? after, int limit, CancellationToken cancellationToken)
    {
        // The reliability ordering key is "inverted reliability|source id" so that one text comparison pages it.
        var key = byReliability
            ? "to_char(1 - coalesce(s.rated_reliability, t.reliability, 0.5), 'FM0.000000') || '|' || s.source_id"
            : "s.source_id";
        await using var command = dataSource.CreateCommand(
            $"SELECT {SourceColumns}, {key} AS sort_key FROM source_views s LEFT JOIN source_trust t ON t.source_id = s.source_id " +
            $"WHERE ($1::text IS NULL OR {key} > $1) ORDER BY sort_key LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = limit + 1 });
        var rows = await ReadAsync(command, r => (Row: ReadSource(r), Key: r.GetString(22)), cancellationToken);
        var page = PageOf(rows, limit, r => r.Key);
        return new Page<SourceRow>(page.Items.Select(r => r.Row).ToList(), page.NextCursor);
    }

    public async Task<SourceRow?> GetSourceAsync(string sourceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {SourceColumns} FROM source_views s LEFT JOIN source_trust t ON t.source_id = s.source_id WHERE s.source_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = sourceId });
        return (await ReadAsync(command, ReadSource, cancellationToken)).SingleOrDefault();
    }

    public async Task<ClaimRow?> GetClaimAsync(string claimId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT claim_id, fact_id, source_id, status, recorded_version, recorded_at FROM claim_index WHERE claim_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = claimId });
        return (await ReadAsync(command, r => new ClaimRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
            r.GetInt64(4), new DateTimeOffset(r.GetFieldValue<DateTime>(5), TimeSpan.Zero)), cancellationToken)).SingleOrDefault();
    }

    /// <summary>Every fact about one subject with one property (e.g. membership status), for set-valued questions.</summary>
    public async Task<IReadOnlyList<string>> FactIdsAsync(string subject, string property, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT fact_id FROM fact_views WHERE subject = $1 AND property = $2 ORDER BY fact_id");
        command.Parameters.Add(new NpgsqlParameter { Value = subject });
        command.Parameters.Add(new NpgsqlParameter { Value = property });
        return await ReadAsync(command, r => r.GetString(0), cancellationToken);
    }

    private static Page<T> PageOf<T>(List<T> rows, int limit, Func<T, string> key) =>
        rows.Count > limit
            ? new Page<T>(rows.Take(limit).ToList(), Cursor.Encode(key(rows[limit - 1])))
            : new Page<T>(rows, null);

    private static async Task<List<T>> ReadAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) rows.Add(read(reader));
        return rows;
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static double? Number(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    private static DateTimeOffset Time(NpgsqlDataReader r, int i) => new(r.GetFieldValue<DateTime>(i), TimeSpan.Zero);

    private static FactRow ReadFact(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2),
        JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(3)) ?? [],
        r.GetString(4), Text(r, 5), r.GetString(6), r.GetInt64(7), r.GetString(8), Text(r, 9), Number(r, 10), Number(r, 11),
        Text(r, 12), r.GetDouble(13), r.IsDBNull(14) ? null : r.GetFieldValue<DateOnly>(14), r.GetInt32(15), r.GetInt32(16),
        r.GetInt32(17), r.GetString(18), Time(r, 19), Time(r, 20));

    private static SourceRow ReadSource(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), Text(r, 3), Text(r, 4), Text(r, 5), r.GetString(6), r.GetString(7),
        Text(r, 8), Text(r, 9), Text(r, 10), Number(r, 11), Text(r, 12), Text(r, 13), r.GetInt32(14), r.GetInt32(15),
        r.GetInt32(16), r.GetInt64(17), Time(r, 18), Time(r, 19), Number(r, 20), r.GetInt32(21));
}
