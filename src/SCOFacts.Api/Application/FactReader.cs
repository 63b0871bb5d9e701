using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using SCOFacts.Api.Platform;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Sources;

namespace SCOFacts.Api.Application;

/// <summary>A fact's stored response for a day: the fact's version, the body, and the body's ETag.</summary>
public readonly record struct StoredAnswer(long Version, byte[] Body, string ETag);

/// <summary>A fact as it stood on both time axes, reconciled.</summary>
/// <param name="State">The fact folded from its events (up to <paramref name="KnownAt"/> when given).</param>
/// <param name="Version">The stream version that state reflects (the ETag).</param>
/// <param name="Result">The reconciliation at <paramref name="ValidAt"/>.</param>
/// <param name="Sources">The sources the fact's claims cite, as they stood then.</param>
/// <param name="ValidAt">The valid time asked for, if any.</param>
/// <param name="KnownAt">The transaction time asked for, if any.</param>
public sealed record FactSnapshot(
    FactState State,
    long Version,
    FactReconciliation Result,
    IReadOnlyDictionary<string, SourceState> Sources,
    DateOnly? ValidAt,
    DateTimeOffset? KnownAt)
{
    public FactDefinition Definition => State.Definition!;
}

/// <summary>
/// Reads facts on both time axes: valid time (what was true in the world at a date) and
/// transaction time (what this system believed at a moment, rebuilt by folding only the
/// events recorded up to then, with source weights as they stood then). A read without a valid time answers
/// for today (UTC), by the given clock. Plain reads of stored answers go through <paramref name="reads"/> when given.
/// </summary>
public sealed class FactReader(NpgsqlDataSource dataSource, TimeProvider? clock = null, ReadDataSource? reads = null, ScoFactsMetrics? metrics = null)
{
    private readonly ReadSharing<StoredRead, StoredAnswer?> _stored = new((read, cancellationToken) => ReadStoredAsync(dataSource, reads, read, cancellationToken),
        metrics is null ? null : metrics.StoredAnswerRead);

    private readonly record struct StoredRead(string FactId, DateOnly Day, DateOnly? ValidAt);

    /// <summary>The day a read without a valid time answers for.</summary>
    public DateOnly Today => DateOnly.FromDateTime((clock ?? TimeProvider.System).GetUtcNow().UtcDateTime);

    /// <summary>A fact, or null when it does not exist (or did not yet at <paramref name="knownAt"/>).</summary>
    public async Task<FactSnapshot?> GetAsync(string factId, DateOnly? validAt, DateTimeOffset? knownAt, CancellationToken cancellationToken = default)
    {
        var loaded = await LoadAsync(factId, knownAt, cancellationToken);
        if (loaded is null) return null;
        var (state, version, sources, reliabilities) = loaded.Value;
        return new FactSnapshot(state, version, Reconciler.Reconcile(state, reliabilities, validAt, Today), sources, validAt, knownAt);
    }

    /// <summary>
    /// The stored response to a read of the fact now, for <paramref name="validAt"/> or without a date (today), and the
    /// version it is at: what <see cref="GetAsync"/> would answer, read from the facts projection's stored answers in
    /// one indexed read. Null when none is stored for that day (no such fact, or a day before anything is known of it).
    /// </summary>
    /// <remarks>
    /// Reads of one fact for one day that arrive together share one database read begun after each of them arrived
    /// (<see cref="ReadSharing{TKey, TResult}"/>): each answer is as fresh as a read of its own, and the tag of the body is
    /// worked out once for all of them.
    /// </remarks>
    public Task<StoredAnswer?> StoredAsync(string factId, DateOnly? validAt, CancellationToken cancellationToken = default) =>
        _stored.ReadAsync(new StoredRead(factId, validAt ?? Today, validAt), cancellationToken);

    /// <summary>The database reads of stored answers so far, and the reads of facts they answered.</summary>
    public ReadSharingCounts StoredReads => _stored.Counts;

    private static async Task<StoredAnswer?> ReadStoredAsync(NpgsqlDataSource dataSource, ReadDataSource? reads, StoredRead read,
        CancellationToken cancellationToken)
    {
        var stored = reads is null
            ? await StoredAnswers.ReadAsync(dataSource, read.FactId, read.Day, read.ValidAt, cancellationToken)
            : await StoredAnswers.ReadAsync(reads, read.FactId, read.Day, read.ValidAt, cancellationToken);
        return stored is { } found ? new StoredAnswer(found.Version, found.Body, ReadCachingMiddleware.RepresentationTag(found.Version, found.Body)) : null;
    }

    /// <summary>The reconciled value per stretch of valid time, as known at <paramref name="knownAt"/>.</summary>
    public async Task<(FactSnapshot Fact, IReadOnlyList<TimelineSegment> Segments)?> TimelineAsync(string factId, DateTimeOffset? knownAt, CancellationToken cancellationToken = default)
    {
        var loaded = await LoadAsync(factId, knownAt, cancellationToken);
        if (loaded is null) return null;
        var (state, version, sources, reliabilities) = loaded.Value;
        var current = new FactSnapshot(state, version, Reconciler.Reconcile(state, reliabilities, null, Today), sources, null, knownAt);
        return (current, Reconciler.Timeline(state, reliabilities));
    }

    /// <summary>
    /// A fact's state as known at <paramref name="knownAt"/> (now, when null), with the version it reflects and the
    /// sources it cites and their weights as they stood then.
    /// </summary>
    /// <remarks>
    /// The state as known at a moment is the fold of the events its stream held up to then. When no event of the stream
    /// is later than the moment, that is every event, and the fold is the state the facts projection stores: it is read
    /// instead (already parsed, when this process stored it last). Otherwise the events up to the moment are folded.
    /// The cited sources' events up to the moment and their learned weights then come in one more round trip.
    /// </remarks>
    public async Task<(FactState State, long Version, IReadOnlyDictionary<string, SourceState> Sources, SourceReliabilities Reliabilities)?> LoadAsync(
        string factId, DateTimeOffset? knownAt, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (state, version) = await StoredAnswers.LoadAsKnownAtAsync(connection, factId, knownAt, cancellationToken) is { } stored
            ? (stored.State, stored.Version)
            : await FoldAsync(connection, factId, knownAt, cancellationToken);
        if (!state.IsDefined) return null;
        var sourceIds = state.ClaimsInOrder.Select(c => c.SourceId)
            .Concat(state.ClaimsInOrder.SelectMany(c => c.Disputes).Select(d => d.CounterEvidence?.SourceId).OfType<string>())
            .Distinct(StringComparer.Ordinal).ToList();
        var (sources, reliabilities) = await SourcesAsync(connection, sourceIds, knownAt, cancellationToken);
        return (state, version, sources, reliabilities);
    }

    // The fold of the fact's events up to the moment (all of them when null), and the version of the last one folded.
    private static async Task<(FactState State, long Version)> FoldAsync(NpgsqlConnection connection, string factId, DateTimeOffset? knownAt,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT type, data, version FROM mt_events WHERE stream_id = $1 AND ($2::timestamptz IS NULL OR timestamp <= $2) ORDER BY version",
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Fact.StreamId(factId) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)knownAt?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var (state, version) = (Fact.Initial, 0L);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (EventOf(reader, 0) is { } e) state = Fact.Evolve(state, e);
            version = reader.GetInt64(2);
        }
        return (state, version);
    }

    // The event in the row's type and data columns, parsed from the stored JSON's bytes as they come; null for a type this
    // release does not know, which leaves a state as it is, as it does in any fold.
    private static object? EventOf(NpgsqlDataReader reader, int typeColumn) =>
        DomainEvents.TryGetType(reader.GetString(typeColumn), out var type)
            ? JsonSerializer.Deserialize(reader.GetFieldValue<byte[]>(typeColumn + 1), type, DomainEvents.JsonOptions)
            : null;

    /// <summary>Sources and their weights, now or as they stood at a moment.</summary>
    public async Task<(IReadOnlyDictionary<string, SourceState> Sources, SourceReliabilities Reliabilities)> SourcesAsync(
        IReadOnlyCollection<string> sourceIds, DateTimeOffset? knownAt, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await SourcesAsync(connection, sourceIds, knownAt, cancellationToken);
    }

    // Every source's events up to the moment and the weights learned for them, in one round trip.
    private static async Task<(IReadOnlyDictionary<string, SourceState> Sources, SourceReliabilities Reliabilities)> SourcesAsync(
        NpgsqlConnection connection, IReadOnlyCollection<string> sourceIds, DateTimeOffset? knownAt, CancellationToken cancellationToken)
    {
        var sources = new Dictionary<string, SourceState>(StringComparer.Ordinal);
        if (sourceIds.Count == 0) return (sources, new SourceReliabilities([]));
        var ids = sourceIds.ToArray();
        var at = (object?)knownAt?.UtcDateTime ?? DBNull.Value;
        await using var batch = new NpgsqlBatch(connection);
        var events = new NpgsqlBatchCommand(
            "SELECT stream_id, type, data FROM mt_events WHERE stream_id = ANY($1) AND ($2::timestamptz IS NULL OR timestamp <= $2) " +
            "ORDER BY stream_id, version");
        events.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids.Select(Source.StreamId).ToArray() });
        events.Parameters.Add(new NpgsqlParameter { Value = at, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        batch.BatchCommands.Add(events);
        // Copy groups are kept only for the current estimate: reads as known at a moment count publishers as voices.
        var learned = new NpgsqlBatchCommand(knownAt is null
            ? "SELECT source_id, reliability, support, copy_group FROM source_trust WHERE source_id = ANY($1)"
            : "SELECT DISTINCT ON (source_id) source_id, reliability, support, NULL::text FROM source_trust_history " +
              "WHERE source_id = ANY($1) AND estimated_at <= $2 ORDER BY source_id, estimated_at DESC");
        learned.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        if (knownAt is not null) learned.Parameters.Add(new NpgsqlParameter { Value = at, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        batch.BatchCommands.Add(learned);

        var folded = new Dictionary<string, SourceState>(StringComparer.Ordinal);
        var weights = new Dictionary<string, (double?, int, string?)>(StringComparer.Ordinal);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var streamId = reader.GetString(0);
                var state = folded.TryGetValue(streamId, out var s) ? s : Source.Initial;
                if (EventOf(reader, 1) is { } e) state = Source.Evolve(state, e);
                folded[streamId] = state;
            }
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                // A history row without a reliability: the source had nothing left to learn from at that moment.
                if (!reader.IsDBNull(1)) weights[reader.GetString(0)] = (reader.GetDouble(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3));
            }
        }

        var entries = new List<SourceReliability>();
        foreach (var id in sourceIds)
        {
            if (!folded.TryGetValue(Source.StreamId(id), out var source) || !source.IsRegistered) continue;
            sources[id] = source;
            var (reliability, support, group) = weights.TryGetValue(id, out var l) ? l : ((double?)null, 0, (string?)null);
            entries.Add(Reliabilities.FromState(source, reliability, support, group));
        }
        return (sources, new SourceReliabilities(entries));
    }
}
