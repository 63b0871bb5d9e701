using SCOFacts.Domain.Facts;

namespace SCOFacts.Domain.Reconciliation;

/// <summary>
/// Estimates ("learns") a source's reliability from how often its claims agree with well-supported answers
/// elsewhere. Pure: pass the facts in.
/// </summary>
public static class ReliabilityEstimator
{
    /// <summary>
    /// One pass over every fact's timeline, reconciled with <paramref name="baseline"/>. A claim agrees when it
    /// is in the winning cluster of a consensus or settled answer that some other publisher also supports
    /// (a source cannot vouch for itself); it disagrees when it conflicts with such an answer or had a dispute
    /// upheld. Each claim counts once. The estimate is (agreements + 1) / (observations + 2), so one
    /// observation moves a source only part of the way from the 0.5 prior. Editors' ratings are kept as they
    /// are: a rated source is never overwritten by a learned number.
    /// </summary>
    /// <param name="facts">Every fact to learn from.</param>
    /// <param name="baseline">Every known source with its publisher and title: rated entries and defaults.</param>
    public static IReadOnlyList<SourceReliability> Learn(IEnumerable<FactState> facts, IEnumerable<SourceReliability> baseline)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var entries = baseline.ToDictionary(e => e.SourceId, StringComparer.Ordinal);
        var current = new SourceReliabilities(entries.Values);
        var agree = new Dictionary<string, int>(StringComparer.Ordinal);
        var observed = new Dictionary<string, int>(StringComparer.Ordinal);

        foreach (var fact in facts)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            void Count(string claimId, bool agrees)
            {
                if (!seen.Add(claimId))
                {
                    return;
                }

                var source = fact.Claims[claimId].SourceId;
                observed[source] = observed.GetValueOrDefault(source) + 1;
                if (agrees)
                {
                    agree[source] = agree.GetValueOrDefault(source) + 1;
                }
            }

            foreach (var claim in fact.ClaimsInOrder.Where(c => c.HasUpheldDispute))
            {
                Count(claim.ClaimId, agrees: false);
            }

            foreach (var segment in Reconciler.Timeline(fact, current))
            {
                var result = segment.Result;
                if (result.Verdict is not (Verdict.Consensus or Verdict.Settled) || result.Clusters.Count == 0)
                {
                    continue;
                }

                var winnerPublishers = result.Clusters[0].Publishers;
                foreach (var id in result.SupportingClaimIds)
                {
                    var publisher = current.For(fact.Claims[id].SourceId).Publisher.Trim();
                    if (winnerPublishers.Any(p => !string.Equals(p, publisher, StringComparison.OrdinalIgnoreCase)))
                    {
                        Count(id, agrees: true);
                    }
                }

                foreach (var id in result.ConflictingClaimIds)
                {
                    Count(id, agrees: false);
                }
            }
        }

        foreach (var (source, n) in observed)
        {
            var entry = current.For(source);
            if (entry.Origin != ReliabilityOrigin.Rated)
            {
                entries[source] = entry with
                {
                    Reliability = (agree.GetValueOrDefault(source) + 1.0) / (n + 2.0),
                    Origin = ReliabilityOrigin.Learned,
                    SupportCount = n,
                };
            }
        }

        return entries.Values.OrderBy(e => e.SourceId, StringComparer.Ordinal).ToList();
    }
}
