using System.Collections.Concurrent;
using Npgsql;
using SCOFacts.Domain.Sources;

namespace SCOFacts.Api.Sources;

/// <summary>A source's attached document as stored: the text (with its matching helpers), who attached it and when.</summary>
public sealed record StoredSourceDocument(string SourceId, SourceDocument Document, string AttachedBy, DateTimeOffset AttachedAt);

/// <summary>
/// Reads sources' documents (table source_documents) for quote checks and the document endpoint. Texts are cached by
/// digest: a document never changes once attached, so a cached text is never stale, and checking thousands of
/// imported claims reads each document once.
/// </summary>
public sealed class SourceDocuments(NpgsqlDataSource dataSource)
{
    private const int CacheLimit = 64;
    private readonly ConcurrentDictionary<string, SourceDocument> _byDigest = new(StringComparer.Ordinal);

    /// <summary>Which of <paramref name="sourceIds"/> are registered, and the documents of those that have one.</summary>
    public async Task<(IReadOnlyList<string> Registered, IReadOnlyDictionary<string, SourceDocument> Documents)> ForSourcesAsync(
        IEnumerable<string> sourceIds, CancellationToken cancellationToken = default)
    {
        var ids = sourceIds.Distinct(StringComparer.Ordinal).ToArray();
        var registered = new List<string>();
        var documents = new Dictionary<string, SourceDocument>(StringComparer.Ordinal);
        if (ids.Length == 0) return (registered, documents);
        var missing = new List<string>();
        await using (var command = dataSource.CreateCommand(
            "SELECT v.source_id, d.sha256 FROM source_views v LEFT JOIN source_documents d ON d.source_id = v.source_id WHERE v.source_id = ANY($1)"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = ids });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetString(0);
                registered.Add(id);
                if (reader.IsDBNull(1)) continue;
                if (_byDigest.TryGetValue(reader.GetString(1), out var cached)) documents[id] = cached;
                else missing.Add(id);
            }
        }
        foreach (var id in missing)
        {
            if (await GetAsync(id, cancellationToken) is { } stored) documents[id] = stored.Document;
        }
        return (registered, documents);
    }

    /// <summary>The facts with at least one claim citing the source, by id.</summary>
    public async Task<IReadOnlyList<string>> FactsCitingAsync(string sourceId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT DISTINCT fact_id FROM claim_index WHERE source_id = $1 ORDER BY fact_id");
        command.Parameters.Add(new NpgsqlParameter { Value = sourceId });
        var facts = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) facts.Add(reader.GetString(0));
        return facts;
    }

    /// <summary>A source's document, or null when the source has none (or does not exist).</summary>
    public async Task<StoredSourceDocument?> GetAsync(string sourceId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT sha256, text, attached_by, attached_at FROM source_documents WHERE source_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = sourceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var digest = reader.GetString(0);
        if (!_byDigest.TryGetValue(digest, out var document))
        {
            document = SourceDocument.Of(reader.GetString(1));
            if (_byDigest.Count >= CacheLimit) _byDigest.Clear();
            _byDigest[digest] = document;
        }
        return new StoredSourceDocument(sourceId, document, reader.GetString(2), new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero));
    }
}
