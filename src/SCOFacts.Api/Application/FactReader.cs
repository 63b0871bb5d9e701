using SCOFacts.Api.Storage;
using Npgsql;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Sources;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Application;

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
/// for today (UTC), by the given clock.
/// </summary>
public sealed class FactReader(ScoFactsEvents store, NpgsqlDataSource dataSource, TimeProvider? clock = null)
{
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
    public Task<(long Version, byte[] Body)?> StoredAsync(string factId, DateOnly? validAt, CancellationToken cancellationToken = default) =>
        StoredAnswers.ReadAsync(dataSource, factId, validAt ?? Today, validAt, cancellationToken);

    /// <summary>The reconciled value per stretch of valid time, as known at <paramref name="knownAt"/>.</summary>
    public async Task<(FactSnapshot Fact, IReadOnlyList<TimelineSegment> Segments)?> TimelineAsync(string factId, DateTimeOffset? knownAt, CancellationToken cancellationToken = default)
    {
        var loaded = await LoadAsync(factId, knownAt, cancellationToken);
        if (loaded is null) return null;
        var (state, version, sources, reliabilities) = loaded.Value;
        var current = new FactSnapshot(state, version, Reconciler.Reconcile(state, reliabilities, null, Today), sources, null, knownAt);
        return (current, Reconciler.Timeline(state, reliabilities));
    }

    /// <summary>Folds a fact's stream (to a moment, when given) and the weights of the sources it cites.</summary>
    public async Task<(FactState State, long Version, IReadOnlyDictionary<string, SourceState> Sources, SourceReliabilities Reliabilities)?> LoadAsync(
        string factId, DateTimeOffset? knownAt, CancellationToken cancellationToken = default)
    {
        var (state, version) = await store.AggregateStreamAsync(Fact.StreamId(factId), Fact.Initial, (s, e) => Fact.Evolve(s, e.Data),
            new StreamReadOptions { ToTimestamp = knownAt }, cancellationToken);
        if (!state.IsDefined) return null;
        var sourceIds = state.ClaimsInOrder.Select(c => c.SourceId)
            .Concat(state.ClaimsInOrder.SelectMany(c => c.Disputes).Select(d => d.CounterEvidence?.SourceId).OfType<string>())
            .Distinct(StringComparer.Ordinal).ToList();
        var (sources, reliabilities) = await SourcesAsync(sourceIds, knownAt, cancellationToken);
        return (state, version, sources, reliabilities);
    }

    /// <summary>Sources and their weights, now or as they stood at a moment.</summary>
    public async Task<(IReadOnlyDictionary<string, SourceState> Sources, SourceReliabilities Reliabilities)> SourcesAsync(
        IReadOnlyCollection<string> sourceIds, DateTimeOffset? knownAt, CancellationToken cancellationToken = default)
    {
        var sources = new Dictionary<string, SourceState>(StringComparer.Ordinal);
        var learned = await LearnedAsync(sourceIds, knownAt, cancellationToken);
        var entries = new List<SourceReliability>();
        foreach (var id in sourceIds)
        {
            var (source, _) = await store.AggregateStreamAsync(Source.StreamId(id), Source.Initial, (s, e) => Source.Evolve(s, e.Data),
                new StreamReadOptions { ToTimestamp = knownAt }, cancellationToken);
            if (!source.IsRegistered) continue;
            sources[id] = source;
            var (reliability, support, group) = learned.TryGetValue(id, out var l) ? l : ((double?)null, 0, (string?)null);
            entries.Add(Reliabilities.FromState(source, reliability, support, group));
        }
        return (sources, new SourceReliabilities(entries));
    }

    // Copy groups are kept only for the current estimate: reads as known at a moment count publishers as voices.
    private async Task<Dictionary<string, (double?, int, string?)>> LearnedAsync(IReadOnlyCollection<string> sourceIds, DateTimeOffset? knownAt, CancellationToken cancellationToken)
    {
        var learned = new Dictionary<string, (double?, int, string?)>(StringComparer.Ordinal);
        if (sourceIds.Count == 0) return learned;
        await using var command = knownAt is null
            ? dataSource.CreateCommand("SELECT source_id, reliability, support, copy_group FROM source_trust WHERE source_id = ANY($1)")
            : dataSource.CreateCommand(
                "SELECT DISTINCT ON (source_id) source_id, reliability, support, NULL::text FROM source_trust_history " +
                "WHERE source_id = ANY($1) AND estimated_at <= $2 ORDER BY source_id, estimated_at DESC");
        command.Parameters.Add(new NpgsqlParameter { Value = sourceIds.ToArray() });
        if (knownAt is { } at) command.Parameters.Add(new NpgsqlParameter { Value = at.UtcDateTime });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // A history row without a reliability: the source had nothing left to learn from at that moment.
            if (!reader.IsDBNull(1)) learned[reader.GetString(0)] = (reader.GetDouble(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        }
        return learned;
    }
}
