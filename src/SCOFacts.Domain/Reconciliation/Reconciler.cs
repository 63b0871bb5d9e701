using System.Globalization;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Reconciliation;

/// <summary>
/// Reconciles a fact's claims into one answer. Pure: the same fact, reliabilities and valid time always give
/// the same result, whatever order the claims were recorded in.
/// </summary>
public static class Reconciler
{
    /// <summary>One side wins outright with this share of the independent weight: a two-to-one majority,
    /// so a single dissenting voice of equal reliability cannot stop two agreeing ones from settling it.</summary>
    public const double ClearMajority = 2.0 / 3;

    /// <summary>Each endorsement by a fact-checker adds this much weight, for at most two endorsements:
    /// a check raises trust in the claim a little but is not another independent source.</summary>
    public const double EndorsementBonus = 0.05;

    public const int MaxEndorsementsCounted = 2;

    /// <summary>A carried-forward answer may be stale: its confidence is scaled down by this factor.</summary>
    public const double CarriedForwardDiscount = 0.75;

    private sealed record Candidate(ClaimState Claim, NormalisedValue Value, SourceReliability Source, double Weight)
    {
        public string Publisher => Source.Publisher.Trim().ToLowerInvariant();
    }

    /// <summary>
    /// Which claims answer for <paramref name="validAt"/>: active claims whose valid time covers that day.
    /// With no <paramref name="validAt"/>, the latest valid time present is used: the latest day on which any
    /// active claim's valid time starts (open starts count as the beginning of time), so a 2025 figure
    /// answers rather than a 2017 one, while an open-ended status "from 2017" still covers it.
    /// When no active claim covers <paramref name="validAt"/>, the latest earlier claims carry forward: those
    /// whose valid time ends last before it are reconciled at their last day, and the result says so.
    /// </summary>
    public static FactReconciliation Reconcile(FactState fact, ISourceReliabilities reliabilities, DateOnly? validAt)
    {
        ArgumentNullException.ThrowIfNull(fact);
        ArgumentNullException.ThrowIfNull(reliabilities);
        if (fact.Definition is not { } definition)
        {
            return new FactReconciliation("", validAt, null, Verdict.Unverified, null, 0, [], [], [], null, [], [],
                "This fact is not defined.");
        }

        var claims = fact.Claims.Values.OrderBy(c => c.ClaimId, StringComparer.Ordinal).ToList();
        var active = claims.Where(c => c.IsActive).ToList();
        DateOnly? reference;
        DateOnly? carriedFrom = null;
        if (validAt is { } day)
        {
            reference = active.Any(c => c.ValidTime.Range.Contains(day)) ? day : null;
            if (reference is null)
            {
                var ended = active.Select(c => c.ValidTime.Range.End).Where(e => e is { } end && end <= day).Max();
                if (ended is { } lastEnd)
                {
                    reference = lastEnd.AddDays(-1);
                    carriedFrom = active.Where(c => c.ValidTime.Range.Contains(reference.Value))
                        .Select(c => c.ValidTime.Range.Start ?? reference.Value).Max();
                }
            }
        }
        else
        {
            reference = active.Count == 0 ? null : active.Select(c => c.ValidTime.Range.Start ?? DateOnly.MinValue).Max();
        }

        // Claims with no start at all (timeless facts) are reconciled "from the beginning"; no date to report.
        var reportedReference = reference == DateOnly.MinValue ? null : reference;
        var considered = reference is { } r ? active.Where(c => c.ValidTime.Range.Contains(r)).ToList() : [];
        var excluded = claims.Where(c => !c.IsActive && (reference is { } x ? c.ValidTime.Range.Contains(x)
            : validAt is { } v ? c.ValidTime.Range.Contains(v) : true)).ToList();

        var candidates = new List<Candidate>();
        foreach (var claim in considered)
        {
            // A claim recorded under older rules that no longer normalises is left out rather than guessed at.
            if (definition.TryNormalise(claim.Value, out var value, out _))
            {
                var source = reliabilities.For(claim.SourceId);
                var bonus = EndorsementBonus * Math.Min(claim.Endorsements.Count, MaxEndorsementsCounted);
                candidates.Add(new Candidate(claim, value, source, source.Reliability + bonus));
            }
        }

        var clusters = Cluster(candidates)
            .Select(members => Summarise(definition, members))
            .OrderByDescending(c => c.Cluster.Weight)
            .ThenBy(c => c.Cluster.ClaimIds[0], StringComparer.Ordinal)
            .ToList();

        var used = candidates.Select(c => c.Source).DistinctBy(s => s.SourceId)
            .OrderBy(s => s.SourceId, StringComparer.Ordinal).ToList();
        var excludedIds = excluded.Select(c => c.ClaimId).ToList();

        if (clusters.Count == 0)
        {
            var none = $"No active claim gives {definition.Describe()}{At(validAt)}.";
            return new FactReconciliation(definition.FactId, validAt, reportedReference, Verdict.Unverified, null, 0, [], [],
                excludedIds, null, [], used, Join(none, ExcludedSentence(excluded, reliabilities, definition)));
        }

        var winner = clusters[0];
        var total = clusters.Sum(c => c.Cluster.Weight);
        var share = total > 0 ? winner.Cluster.Weight / total : 1.0 / clusters.Count;
        var tie = clusters.Count > 1 && clusters[1].Cluster.Weight >= winner.Cluster.Weight;
        var upheld = excluded.Any(c => c.HasUpheldDispute);
        var voices = winner.Cluster.Publishers.Count;
        var verdict =
            clusters.Count > 1 && (tie || share < ClearMajority) ? Verdict.Contested
            : upheld ? Verdict.Settled
            : clusters.Count > 1 ? Verdict.Settled
            : voices >= 2 ? Verdict.Consensus
            : Verdict.SingleSource;

        var meanReliability = Math.Min(1, winner.PublisherWeights.Average());
        var confidence = share * (1 - Math.Pow(0.5, voices)) * meanReliability;
        if (carriedFrom is not null)
        {
            confidence *= CarriedForwardDiscount;
        }

        confidence = Math.Round(Math.Clamp(confidence, 0, 1), 4);

        var explanation = Join(
            carriedFrom is { } from && validAt is { } asked
                ? $"No claim covers {Iso(asked)}; the latest earlier figure, valid from {Iso(from)}, is carried forward."
                : "",
            WinnerSentence(definition, winner, candidates),
            ConflictSentence(clusters.Skip(1).ToList(), candidates),
            ExcludedSentence(excluded, reliabilities, definition),
            verdict switch
            {
                Verdict.Contested => "The sources disagree and neither side carries two thirds of the independent weight.",
                Verdict.Settled when clusters.Count > 1 => "The larger side carries at least two thirds of the independent weight.",
                _ => "",
            });

        return new FactReconciliation(definition.FactId, validAt, reportedReference, verdict, winner.Cluster.Value, confidence,
            winner.Cluster.ClaimIds, clusters.Skip(1).SelectMany(c => c.Cluster.ClaimIds).Order(StringComparer.Ordinal).ToList(),
            excludedIds, carriedFrom, clusters.Select(c => c.Cluster).ToList(), used, explanation);
    }

    /// <summary>
    /// The fact's answer across valid time: segments bounded by every claim's valid-time boundaries, each
    /// reconciled at its first day. Gaps between claims carry the earlier answer forward (and merge into it);
    /// nothing is reported before the first claim or after the last claimed end. Adjacent segments with the
    /// same answer are merged, keeping the first one's result.
    /// </summary>
    public static IReadOnlyList<TimelineSegment> Timeline(FactState fact, ISourceReliabilities reliabilities)
    {
        ArgumentNullException.ThrowIfNull(fact);
        var claims = fact.Claims.Values.ToList();
        var bounds = claims.SelectMany(c => new[] { c.ValidTime.Range.Start, c.ValidTime.Range.End })
            .OfType<DateOnly>().Distinct().Order().ToList();
        var starts = new List<DateOnly?>();
        if (claims.Any(c => c.ValidTime.Range.Start is null))
        {
            starts.Add(null);
        }

        starts.AddRange(bounds.Select(b => (DateOnly?)b));
        var segments = new List<TimelineSegment>();
        for (var i = 0; i < starts.Count; i++)
        {
            var from = starts[i];
            DateOnly? to = i + 1 < starts.Count ? starts[i + 1] : null;
            var at = from ?? DateOnly.MinValue;
            var result = Reconcile(fact, reliabilities, at);
            var coveredHere = fact.Claims.Values.Any(c => c.ValidTime.Range.Contains(at));
            if (!coveredHere && (to is null || result.Verdict == Verdict.Unverified && !result.IsCarriedForward))
            {
                continue;
            }

            if (segments.Count > 0 && segments[^1].To == from && segments[^1].Result.SameOutcomeAs(result))
            {
                segments[^1] = segments[^1] with { To = to };
            }
            else
            {
                segments.Add(new TimelineSegment(from, to, result));
            }
        }

        return segments;
    }

    private sealed record Summary(ClaimCluster Cluster, IReadOnlyList<double> PublisherWeights);

    // Connected components of the "compatible" relation (overlapping intervals, equal keys). Components do
    // not depend on the order claims arrive in, and members are listed by claim id.
    private static List<List<Candidate>> Cluster(List<Candidate> candidates)
    {
        var sorted = candidates.OrderBy(c => c.Claim.ClaimId, StringComparer.Ordinal).ToList();
        var parent = Enumerable.Range(0, sorted.Count).ToArray();
        int Find(int i) => parent[i] == i ? i : parent[i] = Find(parent[i]);
        for (var i = 0; i < sorted.Count; i++)
        {
            for (var j = i + 1; j < sorted.Count; j++)
            {
                if (sorted[i].Value.IsCompatibleWith(sorted[j].Value))
                {
                    parent[Find(j)] = Find(i);
                }
            }
        }

        return sorted.Select((c, i) => (c, root: Find(i)))
            .GroupBy(x => x.root)
            .Select(g => g.Select(x => x.c).ToList())
            .ToList();
    }

    private static Summary Summarise(FactDefinition definition, List<Candidate> members)
    {
        // One voice per publisher: its strongest claim counts, the rest add nothing.
        var byPublisher = members.GroupBy(m => m.Publisher)
            .Select(g => (Publisher: g.OrderByDescending(m => m.Weight).First().Source.Publisher.Trim(), Weight: g.Max(m => m.Weight)))
            .OrderBy(p => p.Publisher, StringComparer.Ordinal)
            .ToList();
        var value = Narrowest(definition, members);
        var cluster = new ClaimCluster(value, members.Select(m => m.Claim.ClaimId).ToList(),
            byPublisher.Select(p => p.Publisher).ToList(), Math.Round(byPublisher.Sum(p => p.Weight), 6));
        return new Summary(cluster, byPublisher.Select(p => p.Weight).ToList());
    }

    private static ReconciledValue Narrowest(FactDefinition definition, List<Candidate> members)
    {
        var first = members[0];
        if (first.Value.Key is { } key)
        {
            var display = members.Select(m => m.Claim.Value).OfType<EntityValue>().Select(e => e.Label).FirstOrDefault(l => l is not null)
                ?? first.Claim.Value.Describe();
            return new ReconciledValue(null, key, display, null);
        }

        var intersection = members.Select(m => m.Value.Interval!.Value).Aggregate((a, b) => a.Intersect(b));
        var interval = !intersection.IsEmpty
            ? intersection
            : members.OrderBy(m => m.Value.Interval!.Value.Width).ThenBy(m => m.Claim.ClaimId, StringComparer.Ordinal)
                .First().Value.Interval!.Value;
        return definition.ValueType == FactValueType.Date
            ? new ReconciledValue(interval, null, ValueDisplay.Date(interval), null)
            : new ReconciledValue(interval, null, ValueDisplay.Quantity(interval, definition.Unit), definition.Unit);
    }

    private static string WinnerSentence(FactDefinition definition, Summary winner, List<Candidate> candidates)
    {
        var voices = winner.Cluster.Publishers.Count;
        var claimCount = winner.Cluster.ClaimIds.Count;
        var what = definition.Describe();
        var value = winner.Cluster.Value.Display;
        if (voices == 1)
        {
            var named = Name(candidates.First(c => c.Claim.ClaimId == winner.Cluster.ClaimIds[0]).Source, withTitle: claimCount == 1);
            return claimCount == 1
                ? $"One source, {named}, puts {what} at {value}."
                : $"{Capital(Count(claimCount))} claims from one publisher, {named}, put {what} at {value}.";
        }

        return $"{Capital(Count(voices))} independent sources ({string.Join(", ", winner.Cluster.Publishers)}) put {what} at {value}.";
    }

    private static string ConflictSentence(List<Summary> others, List<Candidate> candidates)
    {
        if (others.Count == 0)
        {
            return "";
        }

        var parts = others.Select(o =>
        {
            var said = string.Join(" or ", o.Cluster.ClaimIds
                .Select(id => candidates.First(c => c.Claim.ClaimId == id).Claim.Value.Describe()).Distinct());
            var n = o.Cluster.Publishers.Count;
            return $"{Count(n)} other {(n == 1 ? "source" : "sources")} ({string.Join(", ", o.Cluster.Publishers)}) said {said}";
        });
        return $"Against this, {string.Join("; ", parts)}.";
    }

    private static string ExcludedSentence(List<ClaimState> excluded, ISourceReliabilities reliabilities, FactDefinition definition)
    {
        _ = definition;
        var parts = excluded.Select(c =>
        {
            var name = Name(reliabilities.For(c.SourceId), withTitle: false);
            return c.IsRetracted
                ? $"{name} said {c.Value.Describe()}, but that claim was retracted"
                : $"{name} said {c.Value.Describe()}, which was disputed and the dispute upheld";
        }).ToList();
        return parts.Count == 0 ? "" : Capital(string.Join("; ", parts)) + ".";
    }

    private static string Name(SourceReliability source, bool withTitle) =>
        withTitle && !string.IsNullOrWhiteSpace(source.Title)
            ? $"{source.Publisher.Trim()} (\u201c{source.Title.Trim()}\u201d)"
            : source.Publisher.Trim();

    private static readonly string[] Numbers =
        ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

    private static string Count(int n) => n < Numbers.Length ? Numbers[n] : n.ToString(CultureInfo.InvariantCulture);

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static string At(DateOnly? day) => day is { } d ? $" for {Iso(d)}" : "";

    private static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Join(params string[] sentences) =>
        string.Join(' ', sentences.Where(s => !string.IsNullOrWhiteSpace(s)));
}
