using SCOFacts.Api.Storage;
using Npgsql;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Sources;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Application;

/// <summary>One event of a fact's story and what SCOFacts concluded right after it.</summary>
public sealed record HistoryStep(StoredEvent Event, FactState StateAfter, FactReconciliation ReconciledAfter);

/// <summary>
/// Replays a fact's stream event by event, reconciling after each one with the source
/// weights as they stood at that event's moment (ratings and learned estimates recorded
/// up to then): the audit trail of how every belief came about.
/// </summary>
public sealed class FactHistory(ScoFactsEvents store, NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<HistoryStep>?> ReplayAsync(string factId, CancellationToken cancellationToken = default)
    {
        var events = await store.ReadStreamAsync(Fact.StreamId(factId), cancellationToken: cancellationToken);
        if (events.Count == 0) return null;
        var final = Fact.Fold(events.Select(e => e.Data));
        var sourceIds = final.ClaimsInOrder.Select(c => c.SourceId).Distinct(StringComparer.Ordinal).ToList();

        // Every cited source's own story, and every learned estimate, read once and folded in memory per step.
        var sourceEvents = new Dictionary<string, IReadOnlyList<StoredEvent>>(StringComparer.Ordinal);
        foreach (var id in sourceIds)
            sourceEvents[id] = await store.ReadStreamAsync(Source.StreamId(id), cancellationToken: cancellationToken);
        var learned = await LearnedHistoryAsync(sourceIds, cancellationToken);

        var steps = new List<HistoryStep>(events.Count);
        var state = Fact.Initial;
        foreach (var e in events)
        {
            state = Fact.Evolve(state, e.Data);
            var entries = new List<SourceReliability>();
            foreach (var (id, stream) in sourceEvents)
            {
                var source = Source.Fold(stream.Where(s => s.RecordedAt <= e.RecordedAt).Select(s => s.Data));
                if (!source.IsRegistered) continue;
                var estimate = learned.GetValueOrDefault(id)?.LastOrDefault(l => l.At <= e.RecordedAt);
                entries.Add(Reliabilities.FromState(source, estimate?.Reliability, estimate?.Reliability is null ? 0 : estimate.Support));
            }
            steps.Add(new HistoryStep(e, state, Reconciler.Reconcile(state, new SourceReliabilities(entries), null)));
        }
        return steps;
    }

    // A null reliability: the source had nothing left to learn from at that moment.
    private sealed record Estimate(DateTimeOffset At, double? Reliability, int Support);

    private async Task<Dictionary<string, List<Estimate>>> LearnedHistoryAsync(IReadOnlyList<string> sourceIds, CancellationToken cancellationToken)
    {
        var history = new Dictionary<string, List<Estimate>>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand(
            "SELECT source_id, estimated_at, reliability, support FROM source_trust_history WHERE source_id = ANY($1) ORDER BY source_id, estimated_at");
        command.Parameters.Add(new NpgsqlParameter { Value = sourceIds.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            if (!history.TryGetValue(id, out var list)) history[id] = list = [];
            list.Add(new Estimate(new DateTimeOffset(reader.GetFieldValue<DateTime>(1), TimeSpan.Zero), reader.IsDBNull(2) ? null : reader.GetDouble(2), reader.GetInt32(3)));
        }
        return history;
    }
}
