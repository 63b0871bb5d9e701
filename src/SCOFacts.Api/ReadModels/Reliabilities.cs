using Npgsql;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Sources;

namespace SCOFacts.Api.ReadModels;

/// <summary>Where reconciliation gets its source weights from: the source views, or the log as it stood at a moment.</summary>
public static class Reliabilities
{
    /// <summary>Current weights of the given sources, read on the caller's connection.</summary>
    public static async Task<SourceReliabilities> CurrentAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        IEnumerable<string> sourceIds, CancellationToken cancellationToken) =>
        new(await CurrentEntriesAsync(connection, transaction, sourceIds, cancellationToken));

    /// <summary>
    /// Current weights of the given sources, and each registered source's title and publisher (all a claim in a
    /// response shows of its source), read on the caller's connection.
    /// </summary>
    public static async Task<(SourceReliabilities Reliabilities, IReadOnlyDictionary<string, SourceState> Sources)> CurrentWithSourcesAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IEnumerable<string> sourceIds, CancellationToken cancellationToken)
    {
        var entries = await CurrentEntriesAsync(connection, transaction, sourceIds, cancellationToken);
        var sources = entries.ToDictionary(e => e.SourceId,
            e => SourceState.Initial with { IsRegistered = true, SourceId = e.SourceId, Title = e.Title ?? "", Publisher = e.Publisher },
            StringComparer.Ordinal);
        return (new SourceReliabilities(entries), sources);
    }

    private static async Task<List<SourceReliability>> CurrentEntriesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        IEnumerable<string> sourceIds, CancellationToken cancellationToken)
    {
        var ids = sourceIds.Distinct(StringComparer.Ordinal).ToArray();
        var entries = new List<SourceReliability>(ids.Length);
        if (ids.Length == 0) return entries;
        await using var command = new NpgsqlCommand(
            "SELECT v.source_id, v.publisher, v.title, v.rated_reliability, v.rating_count, t.reliability, t.support, v.author, t.copy_group " +
            "FROM source_views v LEFT JOIN source_trust t ON t.source_id = v.source_id WHERE v.source_id = ANY($1)",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(Entry(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetDouble(5), reader.IsDBNull(6) ? 0 : reader.GetInt32(6),
                reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return entries;
    }

    /// <summary>
    /// An editor's rating wins; else what the trust estimator learned; else the default.
    /// The origin and support travel with the number so every view can say where it came from.
    /// </summary>
    public static SourceReliability Entry(string sourceId, string publisher, string title, double? rated, int ratingCount,
        double? learned, int learnedSupport, string? author = null, string? copyGroup = null) =>
        rated is { } r ? new SourceReliability(sourceId, publisher, r, ReliabilityOrigin.Rated, ratingCount, title, author, copyGroup)
        : learned is { } l ? new SourceReliability(sourceId, publisher, l, ReliabilityOrigin.Learned, learnedSupport, title, author, copyGroup)
        : new SourceReliability(sourceId, publisher, SourceReliabilities.DefaultReliability, ReliabilityOrigin.Default, 0, title, author, copyGroup);

    /// <summary>The weight of a source as a folded source state says (for time travel).</summary>
    public static SourceReliability FromState(SourceState state, double? learned, int learnedSupport, string? copyGroup = null) =>
        Entry(state.SourceId, state.Publisher, state.Title, state.Reliability, state.RatingCount, learned, learnedSupport, state.Author, copyGroup);
}
