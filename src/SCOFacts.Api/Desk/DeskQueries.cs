using System.Globalization;
using System.Text;
using Npgsql;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain.Facts;

namespace SCOFacts.Api.Desk;

/// <summary>How the desk's fact list is ordered.</summary>
public enum DeskSort
{
    /// <summary>Most recently changed first.</summary>
    Recent,

    /// <summary>Least confident first: where a checker's work is most needed.</summary>
    Confidence,
}

/// <summary>What the desk's fact list shows: a search and the filters a checker narrows it with.</summary>
/// <param name="Search">Words to find in a fact's subject, property, description or any claim's quote (prefixes match).</param>
/// <param name="Verdict">Only facts with this verdict.</param>
/// <param name="Subject">Only facts about this subject.</param>
/// <param name="OpenDisputes">Only facts with at least one open dispute.</param>
/// <param name="Sort">The order.</param>
public sealed record DeskFactFilter(string? Search, string? Verdict, string? Subject, bool OpenDisputes, DeskSort Sort);

/// <summary>An open dispute waiting for an editor.</summary>
public sealed record OpenDispute(
    string FactId, string FactDescription, string ClaimId, string DisputeId, string Reason, string DisputedBy, DateTimeOffset DisputedAt);

/// <summary>One claim taken from a source, for the source's page.</summary>
public sealed record SourceClaim(string ClaimId, string FactId, string FactDescription, string Status, string Quote, Locator? Locator, DateTimeOffset RecordedAt);

/// <summary>
/// The desk's read-side SQL over the projections' tables (and, for quotes, the log): the list's search and
/// orderings, the review queue and a source's claims. Every query here is served by an index of
/// migrations/0008_desk_search.sql or earlier. Writes never come here: they go through <see cref="Application.FactsDesk"/>.
/// </summary>
public sealed class DeskQueries(NpgsqlDataSource dataSource)
{
    /// <summary>The most rows one list page shows.</summary>
    public const int PageSize = 50;

    // Kept character for character equal to the index expressions of 0008_desk_search.sql.
    private const string FactDocument =
        "to_tsvector('simple'::regconfig, translate(f.subject || ' ' || f.property, '.-_', '   ') || ' ' || f.description)";


    /// <summary>Fact ids with their list columns, filtered, searched and ordered; one page from <paramref name="offset"/>.</summary>
    public async Task<(IReadOnlyList<FactRow> Rows, bool More)> ListAsync(DeskFactFilter filter, int offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var command = dataSource.CreateCommand();
        var where = new List<string>();
        void Add(object value, string sql)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
            where.Add(sql.Replace("{p}", "$" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }
        if (ToPrefixQuery(filter.Search) is { } query)
        {
            Add(query, $"({FactDocument} @@ to_tsquery('simple'::regconfig, {{p}}) OR f.fact_id IN (" +
                "SELECT q.fact_id FROM desk_quotes q WHERE q.document @@ to_tsquery('simple'::regconfig, {p})))");
        }
        if (!string.IsNullOrWhiteSpace(filter.Verdict)) Add(filter.Verdict, "f.verdict = {p}");
        if (!string.IsNullOrWhiteSpace(filter.Subject)) Add(filter.Subject, "f.subject = {p}");
        if (filter.OpenDisputes) where.Add("f.open_dispute_count > 0");
        var order = filter.Sort == DeskSort.Confidence ? "f.confidence, f.fact_id" : "f.updated_at DESC, f.fact_id";
        command.CommandText =
            "SELECT f.fact_id, f.subject, f.property, f.qualifiers::text, f.value_type, f.unit, f.description, f.version, f.verdict, " +
            "f.value_display, f.confidence, f.claim_count, f.open_dispute_count, f.updated_at FROM fact_views f" +
            (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
            $" ORDER BY {order} LIMIT {PageSize + 1} OFFSET {Math.Max(0, offset).ToString(CultureInfo.InvariantCulture)}";
        var rows = new List<FactRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new FactRow(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(3)) ?? [],
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6), reader.GetInt64(7),
                reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9), null, null, null, reader.GetDouble(10), null,
                reader.GetInt32(11), 0, reader.GetInt32(12), "", default, new DateTimeOffset(reader.GetFieldValue<DateTime>(13), TimeSpan.Zero)));
        }
        return rows.Count > PageSize ? (rows.Take(PageSize).ToList(), true) : (rows, false);
    }

    /// <summary>Every subject, for the filter.</summary>
    public async Task<IReadOnlyList<string>> SubjectsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT DISTINCT subject FROM fact_views ORDER BY subject");
        var subjects = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) subjects.Add(reader.GetString(0));
        return subjects;
    }

    /// <summary>Every fact's id, description, value type and unit: the choices when recording a claim.</summary>
    public async Task<IReadOnlyList<(string Id, string Description, string ValueType, string? Unit)>> FactChoicesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT fact_id, description, value_type, unit FROM fact_views ORDER BY fact_id");
        var facts = new List<(string, string, string, string?)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            facts.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        return facts;
    }

    /// <summary>Open disputes, oldest first: a dispute is open until an uphold or rejection names it.</summary>
    public async Task<IReadOnlyList<OpenDispute>> OpenDisputesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT f.fact_id, f.description, d.data->>'claimId', d.data->>'disputeId', d.data->>'reason', d.data->>'disputedBy', d.timestamp
            FROM fact_views f
            JOIN mt_events d ON d.stream_id = 'fact-' || f.fact_id AND d.type = 'ClaimDisputed'
            WHERE f.open_dispute_count > 0
              AND NOT EXISTS (SELECT 1 FROM mt_events r WHERE r.stream_id = d.stream_id
                              AND r.type IN ('DisputeUpheld', 'DisputeRejected')
                              AND r.data->>'claimId' = d.data->>'claimId' AND r.data->>'disputeId' = d.data->>'disputeId')
            ORDER BY d.timestamp, d.seq_id
            """);
        var disputes = new List<OpenDispute>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            disputes.Add(new OpenDispute(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), new DateTimeOffset(reader.GetFieldValue<DateTime>(6), TimeSpan.Zero)));
        }
        return disputes;
    }

    /// <summary>Contested facts, least confident first.</summary>
    public async Task<IReadOnlyList<(string Id, string Description, string? Value, double Confidence)>> ContestedAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT fact_id, description, value_display, confidence FROM fact_views WHERE verdict = 'contested' ORDER BY confidence, fact_id");
        var facts = new List<(string, string, string?, double)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            facts.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetDouble(3)));
        return facts;
    }

    /// <summary>The claims taken from one source, in the order they were recorded, with their standing now.</summary>
    public async Task<IReadOnlyList<SourceClaim>> SourceClaimsAsync(string sourceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT c.claim_id, c.fact_id, f.description, c.status, e.data->>'quote', c.recorded_at,
                   (e.data->'locator'->>'paragraph')::int, (e.data->'locator'->>'offset')::int
            FROM claim_index c
            JOIN fact_views f ON f.fact_id = c.fact_id
            JOIN mt_events e ON e.stream_id = 'fact-' || c.fact_id AND e.version = c.recorded_version
            WHERE c.source_id = $1
            ORDER BY c.recorded_at, c.claim_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = sourceId });
        var claims = new List<SourceClaim>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var locator = reader.IsDBNull(6) && reader.IsDBNull(7) ? null
                : new Locator(reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetInt32(7));
            claims.Add(new SourceClaim(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                locator, new DateTimeOffset(reader.GetFieldValue<DateTime>(5), TimeSpan.Zero)));
        }
        return claims;
    }

    /// <summary>
    /// A tsquery matching every word of <paramref name="search"/> as a prefix: letters and digits only, so no
    /// user text reaches the tsquery syntax; null when nothing searchable is left.
    /// </summary>
    public static string? ToPrefixQuery(string? search)
    {
        if (string.IsNullOrWhiteSpace(search)) return null;
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var c in search.ToLowerInvariant().Append(' '))
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(c);
            }
            else if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }
        return words.Count == 0 ? null : string.Join(" & ", words.Take(8).Select(w => w + ":*"));
    }
}
