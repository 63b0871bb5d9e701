using System.Globalization;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Trust;
using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Reconciliation;

/// <summary>
/// Reconciles a fact's claims into one answer. Pure: the same fact, reliabilities and days always give the same
/// result, whatever order the claims were recorded in.
/// </summary>
/// <remarks>
/// The served value is the trust estimator's pick over the claims that speak for the day, weighed with the sources'
/// reliabilities (<see cref="TrustEstimator.Decide"/>): always a value some claim gave, never a blend of them. It
/// scored best on data with known truth (tests/SCOFacts.Benchmarks, quality). Compatible claims still form
/// clusters: they decide the verdict and the confidence, and each cluster's range is kept as detail.
/// </remarks>
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

    /// <summary>
    /// The estimator's posterior is too sure of itself at the top and not sure enough below: on the quality benchmark's
    /// generated data, answers it put at 0.98 were right about 88 % of the time and answers at 0.41 about 47 %. One
    /// linear map, <c>0.7 p + 0.17</c>, fitted on data set A and checked on B and C (different shapes), brings
    /// confidence in line with how often answers are right there.
    /// </summary>
    public const double CalibrationSlope = 0.7;

    /// <inheritdoc cref="CalibrationSlope"/>
    public const double CalibrationOffset = 0.17;

    private static readonly Comparison<ClaimState> ById = (a, b) => string.CompareOrdinal(a.ClaimId, b.ClaimId);

    private sealed record Candidate(ClaimState Claim, NormalisedValue Value, SourceReliability Source, double Weight)
    {
        /// <summary>One voice per publisher, or per copy group when the source copies others.</summary>
        public string Publisher => Source.Voice;

        public TrustValue AsTrustValue => Value.Key is { } key ? TrustValue.Category(key) : TrustValue.Numeric(Value.Interval!.Value);
    }

    /// <summary>The claims that speak for one day, and whether they were carried forward to it.</summary>
    private sealed record Selection(List<ClaimState> Claims, DateOnly? CarriedFrom);

    /// <summary>
    /// Which claims answer for a day. A timeless fact (a date: when something happened does not change) is answered by
    /// all its active claims at any day. Otherwise a claim speaks from its start (an open start reaches back to the
    /// subject's first day, or to the fact's earliest dated evidence when that is unknown) to its end. When the claims
    /// that started last have all ended, they still hold (carried forward) until a later claim starts, together with
    /// the claims that stood beside them on that start and agree with them; older claims that disagree do not
    /// override them: a later statement holds until a source says otherwise.
    /// </summary>
    private sealed class ValidSpan
    {
        public ValidSpan(FactDefinition definition, IReadOnlyCollection<ClaimState> claims)
            : this(definition, claims.Select(c => c.ValidTime.Range))
        {
        }

        /// <param name="definition">The fact's definition.</param>
        /// <param name="ranges">The valid time of each of the fact's claims.</param>
        public ValidSpan(FactDefinition definition, IEnumerable<DateRange> ranges)
        {
            Timeless = definition.ValueType == FactValueType.Date;
            Lifespan = SubjectLifespans.Of(definition.Subject);
            EarliestEvidence = ranges
                .Select(r => r.Start ?? r.End?.AddDays(-1))
                .OfType<DateOnly>().DefaultIfEmpty(DateOnly.MinValue).Min();
            Origin = Lifespan?.Since ?? EarliestEvidence;
        }

        public bool Timeless { get; }

        public SubjectLifespan? Lifespan { get; }

        public DateOnly EarliestEvidence { get; }

        /// <summary>The first day anything is known: the subject's first day, or the earliest evidence.</summary>
        public DateOnly Origin { get; }

        public DateOnly StartOf(ClaimState c) => c.ValidTime.Range.Start ?? Origin;

        public bool Covers(ClaimState c, DateOnly day) => StartOf(c) <= day && (c.ValidTime.Range.End is not { } end || day < end);

        public Selection Select(IEnumerable<ClaimState> claims, DateOnly day, Func<ClaimState, bool> counts,
            Func<ClaimState, ClaimState, bool> agree)
        {
            if (Timeless)
            {
                return new Selection(claims.Where(counts).ToList(), null);
            }

            var started = claims.Where(c => counts(c) && StartOf(c) <= day && !Empty(c)).ToList();
            if (started.Count == 0)
            {
                return new Selection([], null);
            }

            var latest = started.Max(StartOf);
            var direct = started.Where(c => Covers(c, day)).ToList();
            if (direct.Any(c => StartOf(c) == latest))
            {
                return new Selection(direct, null);
            }

            var newest = started.Where(c => StartOf(c) == latest).ToList();
            var beside = started.Where(c => StartOf(c) < latest && Covers(c, latest) && newest.Any(n => agree(n, c)));
            return new Selection([.. newest, .. beside], latest);
        }

        /// <summary>Where each claim whose valid time is in <paramref name="ranges"/> starts and ends.</summary>
        public (DateOnly[] Starts, DateOnly?[] Ends) Bounds(DateRange[] ranges)
        {
            var starts = new DateOnly[ranges.Length];
            var ends = new DateOnly?[ranges.Length];
            for (var i = 0; i < ranges.Length; i++)
            {
                starts[i] = ranges[i].Start ?? Origin;
                ends[i] = ranges[i].End;
            }

            return (starts, ends);
        }

        /// <summary>
        /// The claims that can speak for <paramref name="day"/> or be set aside on it, by claim id. A claim that starts
        /// later cannot; nor can one that ended by the latest start among the claims that count on the day: it covers
        /// neither the day nor that start (nor any later start a selection may carry forward from), and is not among
        /// the latest itself. <paramref name="bounds"/> are the claims' own (<see cref="Bounds"/>).
        /// </summary>
        public static List<ClaimState> RelevantOn(List<ClaimState> claims, (DateOnly[] Starts, DateOnly?[] Ends) bounds, DateOnly day)
        {
            var (starts, ends) = bounds;
            var floor = DateOnly.MinValue;
            for (var i = 0; i < claims.Count; i++)
            {
                var start = starts[i];
                if (start <= day && start > floor && !(ends[i] is { } end && end <= start) && claims[i].IsActiveOn(day))
                    floor = start;
            }

            var relevant = new List<ClaimState>();
            for (var i = 0; i < claims.Count; i++)
            {
                if (starts[i] <= day && (ends[i] is not { } end || end > floor))
                    relevant.Add(claims[i]);
            }

            relevant.Sort(ById);
            return relevant;
        }

        /// <summary>The latest day the claims speak of: where a read without a date lands when no today is given.</summary>
        public DateOnly LatestDay(IEnumerable<ClaimState> claims) => claims
            .Select(c => c.ValidTime.Range.End is { } end ? end.AddDays(-1) : StartOf(c))
            .DefaultIfEmpty(Origin).Max();

        private bool Empty(ClaimState c) => c.ValidTime.Range.End is { } end && end <= StartOf(c);
    }

    /// <summary>
    /// Reconciles the claims that speak for <paramref name="validAt"/>, or, with no date, for <paramref name="today"/>
    /// (when that is not given either, for the latest day any claim speaks of). See <see cref="ValidSpan"/> for which
    /// claims speak for a day; a carried-forward answer says so and is less certain, except for a timeless fact.
    /// </summary>
    public static FactReconciliation Reconcile(FactState fact, ISourceReliabilities reliabilities, DateOnly? validAt, DateOnly? today = null)
    {
        ArgumentNullException.ThrowIfNull(fact);
        ArgumentNullException.ThrowIfNull(reliabilities);
        if (fact.Definition is not { } definition)
        {
            return new FactReconciliation("", validAt, null, Verdict.Unverified, null, 0, [], [], [], null, [], [],
                "This fact is not defined.");
        }

        return Answer(fact, definition, reliabilities, validAt, today).Result;
    }

    private static (FactReconciliation Result, DayDependence Day) Answer(FactState fact, FactDefinition definition, ISourceReliabilities reliabilities,
        DateOnly? validAt, DateOnly? today)
    {
        var claims = fact.Claims.Values.OrderBy(c => c.ClaimId, StringComparer.Ordinal).ToList();
        return Answer(definition, new ValidSpan(definition, claims), claims, reliabilities, validAt, today);
    }

    // The span is the whole fact's; the claims (by id) may leave out any that can neither speak for the day nor be set
    // aside on it (see ValidSpan.RelevantOn): the answer is the same.
    private static (FactReconciliation Result, DayDependence Day) Answer(FactDefinition definition, ValidSpan span, List<ClaimState> claims,
        ISourceReliabilities reliabilities, DateOnly? validAt, DateOnly? today)
    {
        var day = validAt ?? today ?? span.LatestDay(claims);
        bool Agree(ClaimState a, ClaimState b) =>
            definition.TryNormalise(a.Value, out var x, out _) && definition.TryNormalise(b.Value, out var y, out _) && x.IsCompatibleWith(y);
        var selection = span.Select(claims, day, c => c.IsActiveOn(day), Agree);
        var carriedFrom = selection.CarriedFrom;
        // Claims set aside here: those that would have spoken for the day had they not been retracted or disputed away,
        // and those about the day (or the day a carried figure stood) that are.
        var excluded = span.Select(claims, day, _ => true, Agree).Claims
            .Concat(claims.Where(c => span.Timeless || span.Covers(c, day) || (carriedFrom is { } f && span.Covers(c, f))))
            .Where(c => !c.IsActiveOn(day)).Distinct().OrderBy(c => c.ClaimId, StringComparer.Ordinal).ToList();
        var reference = span.Timeless || (carriedFrom ?? day) == DateOnly.MinValue ? (DateOnly?)null : carriedFrom ?? day;

        var candidates = new List<Candidate>();
        foreach (var claim in selection.Claims)
        {
            // A claim recorded under older rules that no longer normalises is left out rather than guessed at.
            if (definition.TryNormalise(claim.Value, out var value, out _))
            {
                var source = reliabilities.For(claim.SourceId);
                var bonus = EndorsementBonus * Math.Min(claim.Endorsements.Count, MaxEndorsementsCounted);
                candidates.Add(new Candidate(claim, value, source, source.Reliability + bonus));
            }
        }

        var used = candidates.Select(c => c.Source).DistinctBy(s => s.SourceId)
            .OrderBy(s => s.SourceId, StringComparer.Ordinal).ToList();
        var excludedIds = excluded.Select(c => c.ClaimId).ToList();

        if (candidates.Count == 0)
        {
            var excludedSentence = ExcludedSentence(excluded, reliabilities, day);
            return (new FactReconciliation(definition.FactId, validAt, reference, Verdict.Unverified, null, 0, [], [],
                    excludedIds, null, [], used, Join(Nothing(definition, span, validAt, day), excludedSentence)),
                new DayDependence(span.Timeless, carriedFrom, null, definition.Describe(), excludedSentence));
        }

        var clusters = Cluster(candidates)
            .Select(members => Summarise(definition, members))
            .OrderByDescending(c => c.Cluster.Weight)
            .ThenBy(c => c.Cluster.ClaimIds[0], StringComparer.Ordinal)
            .ToList();

        var (served, servedClaims, probability) = Pick(definition, candidates);
        var winner = clusters.First(c => c.Cluster.ClaimIds.Contains(servedClaims[0].Claim.ClaimId, StringComparer.Ordinal));
        var others = clusters.Where(c => !ReferenceEquals(c, winner)).ToList();
        var total = clusters.Sum(c => c.Cluster.Weight);
        var share = total > 0 ? winner.Cluster.Weight / total : 1.0 / clusters.Count;
        var tie = others.Any(o => o.Cluster.Weight >= winner.Cluster.Weight);
        var upheld = excluded.Any(c => c.HasUpheldDispute);
        var voices = winner.Cluster.Publishers.Count;
        var verdict =
            others.Count > 0 && (tie || share < ClearMajority) ? Verdict.Contested
            : upheld ? Verdict.Settled
            : others.Count > 0 ? Verdict.Settled
            : voices >= 2 ? Verdict.Consensus
            : Verdict.SingleSource;

        // The estimator's probability that the truth lies within the served value: the quality benchmark measures how
        // well it tracks how often the answer is right (reliability table and Brier score).
        var confidence = CalibrationSlope * probability + CalibrationOffset;
        if (carriedFrom is not null)
        {
            confidence *= CarriedForwardDiscount;
        }

        confidence = Math.Round(Math.Clamp(confidence, 0, 1), 4);

        var rest = Join(
            WinnerSentence(definition, winner, served, candidates),
            ConflictSentence(others, candidates),
            ExcludedSentence(excluded, reliabilities, day),
            verdict switch
            {
                Verdict.Contested => "The sources disagree and neither side carries two thirds of the independent weight.",
                Verdict.Settled when others.Count > 0 => "The larger side carries at least two thirds of the independent weight.",
                _ => "",
            });

        var dependence = new DayDependence(span.Timeless, carriedFrom, carriedFrom, null, rest);
        return (new FactReconciliation(definition.FactId, validAt, reference, verdict, served, confidence,
            winner.Cluster.ClaimIds, others.SelectMany(c => c.Cluster.ClaimIds).Order(StringComparer.Ordinal).ToList(),
            excludedIds, carriedFrom, [winner.Cluster, .. others.Select(o => o.Cluster)], used, dependence.Explanation(day, validAt)), dependence);
    }

    /// <summary>
    /// The fact's answers across valid time, for storing: stretches bounded by every day on which the claims that speak
    /// (or are set aside) can change, each with the answer a read on any of its days gives but for what depends on the
    /// day itself (<see cref="DayDependence"/>). Unlike <see cref="Timeline"/>, no stretch is merged or left out, so
    /// every day from the first day anything is known on falls in exactly one; days before it are not covered (their
    /// explanation names the day and what did not yet exist). A timeless fact's stretches are bounded only by the days
    /// scoped disputes start. Each result is the answer to a read without a date on the stretch's first day.
    /// </summary>
    public static IReadOnlyList<AnswerStretch> Stretches(FactState fact, ISourceReliabilities reliabilities) =>
        Stretches(fact, reliabilities, null).All;

    /// <summary>
    /// <see cref="Stretches(FactState, ISourceReliabilities)"/>, taking from <paramref name="earlier"/> (this fact's
    /// stretches as worked out before) the answer of any stretch whose day is reconciled from exactly what it was then:
    /// the same definition and first day, the very same claim states, and their sources standing as they did. A claim
    /// recorded on a fact with many is then reconciled only on the few stretches it can speak for or be set aside on.
    /// </summary>
    public static AnswerStretches Stretches(FactState fact, ISourceReliabilities reliabilities, AnswerStretches? earlier)
    {
        ArgumentNullException.ThrowIfNull(fact);
        ArgumentNullException.ThrowIfNull(reliabilities);
        if (fact.Definition is not { } definition)
        {
            return AnswerStretches.None;
        }

        // In any order: each stretch's claims are put in order of id, which is all reconciling asks of them.
        var claims = fact.Claims.Values.ToList();
        var ranges = claims.Select(c => c.ValidTime.Range).ToArray();
        var span = new ValidSpan(definition, ranges);
        var claimBounds = span.Bounds(ranges);
        var scoped = claims.SelectMany(c => c.Disputes).Select(d => d.ExcludedFrom).OfType<DateOnly>();
        List<DateOnly?> bounds;
        if (span.Timeless)
        {
            bounds = scoped.Distinct().Order().Select(d => (DateOnly?)d).Prepend(null).ToList();
            claims.Sort(ById);
        }
        else
        {
            var days = new List<DateOnly>(2 * claims.Count + 1) { span.Origin };
            days.AddRange(claimBounds.Starts);
            days.AddRange(claimBounds.Ends.OfType<DateOnly>());
            days.AddRange(scoped);
            days.Sort();
            bounds = [];
            foreach (var d in days)
            {
                if (d >= span.Origin && (bounds.Count == 0 || bounds[^1] != d)) bounds.Add(d);
            }
        }

        // Each stretch compares its sources' standing with what it was: one lookup per source, not per claim and stretch.
        var standing = new Dictionary<string, SourceReliability>(StringComparer.Ordinal);
        SourceReliability Standing(string sourceId) =>
            standing.TryGetValue(sourceId, out var known) ? known : standing[sourceId] = reliabilities.For(sourceId);
        var stretches = new List<AnswerStretch>(bounds.Count);
        var inputs = new List<AnswerInputs>(bounds.Count);
        for (var i = 0; i < bounds.Count; i++)
        {
            DateOnly? to = i + 1 < bounds.Count ? bounds[i + 1] : null;
            // An open first stretch (timeless facts only) is asked on its last day; a timeless answer never names the day.
            var day = bounds[i] ?? (to is { } end ? end.AddDays(-1) : span.Origin);
            // A fact with many claims over many years has many stretches, each spoken for by few of them.
            var relevant = span.Timeless ? claims : ValidSpan.RelevantOn(claims, claimBounds, day);
            var asked = new AnswerInputs(day, definition, span.Timeless, span.Origin, relevant, relevant.Select(c => Standing(c.SourceId)).ToArray());
            var (result, dependence) = earlier?.Find(asked) is { } known
                ? (known.Result, known.Day)
                : Answer(definition, span, relevant, reliabilities, null, day);
            stretches.Add(new AnswerStretch(bounds[i], to, result, dependence));
            inputs.Add(asked);
        }

        return new AnswerStretches(stretches, inputs);
    }

    /// <summary>The explanation's opening sentence when nothing speaks for the day: what is missing, and for when.</summary>
    internal static string NoActiveClaim(string what, DateOnly? validAt) => $"No active claim gives {what}{At(validAt)}.";

    /// <summary>The explanation's opening sentence when an earlier figure is carried forward to the day asked.</summary>
    internal static string CarriedForward(DateOnly day, DateOnly from) =>
        $"No claim covers {Iso(day)}; the latest earlier figure, valid from {Iso(from)}, is carried forward until a source says otherwise.";

    internal static string JoinSentences(params string[] sentences) => Join(sentences);

    /// <summary>
    /// The fact's answer across valid time: segments bounded by every claim's valid-time boundaries (and the days
    /// scoped disputes start), each reconciled at its first day, so every segment is what a read on any of its days
    /// answers. Nothing is reported before the subject existed (or before the earliest evidence); the last segment
    /// stays open when its answer is carried forward. Adjacent segments with the same answer are merged, keeping
    /// the first one's result. A timeless fact has one segment.
    /// </summary>
    public static IReadOnlyList<TimelineSegment> Timeline(FactState fact, ISourceReliabilities reliabilities)
    {
        ArgumentNullException.ThrowIfNull(fact);
        ArgumentNullException.ThrowIfNull(reliabilities);
        if (fact.Definition is not { } definition || fact.Claims.IsEmpty)
        {
            return [];
        }

        var claims = fact.Claims.Values.ToList();
        var span = new ValidSpan(definition, claims);
        if (span.Timeless)
        {
            var result = Reconcile(fact, reliabilities, null, span.Origin);
            return result.Verdict == Verdict.Unverified && result.ExcludedClaimIds.Count == 0 ? [] : [new TimelineSegment(null, null, result)];
        }

        var bounds = claims.SelectMany(c => new[] { (DateOnly?)span.StartOf(c), c.ValidTime.Range.End })
            .Concat(claims.SelectMany(c => c.Disputes).Select(d => d.ExcludedFrom))
            .OfType<DateOnly>().Where(d => d >= span.Origin).Append(span.Origin).Distinct().Order().ToList();
        var segments = new List<TimelineSegment>();
        for (var i = 0; i < bounds.Count; i++)
        {
            var from = bounds[i];
            DateOnly? to = i + 1 < bounds.Count ? bounds[i + 1] : null;
            var result = Reconcile(fact, reliabilities, from);
            if (result.Verdict == Verdict.Unverified && result.ExcludedClaimIds.Count == 0)
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

    private sealed record Summary(ClaimCluster Cluster, IReadOnlyList<double> PublisherWeights, IReadOnlyList<string> SpokenNames);

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
            .Select(g => g.OrderByDescending(m => m.Weight).ThenBy(m => m.Claim.ClaimId, StringComparer.Ordinal).First())
            .OrderBy(p => p.Source.Publisher.Trim(), StringComparer.Ordinal)
            .ToList();
        var cluster = new ClaimCluster(Range(definition, members), members.Select(m => m.Claim.ClaimId).ToList(),
            byPublisher.Select(p => p.Source.Publisher.Trim()).ToList(), Math.Round(byPublisher.Sum(p => p.Weight), 6));
        return new Summary(cluster, byPublisher.Select(p => p.Weight).ToList(), byPublisher.Select(p => p.Source.SpokenName()).ToList());
    }

    /// <summary>The span of a cluster's claims: the detail behind the served value.</summary>
    private static ReconciledValue Range(FactDefinition definition, List<Candidate> members)
    {
        if (members[0].Value.Key is { } key)
        {
            return new ReconciledValue(null, key, Display(members[0], members), null);
        }

        var intervals = members.Select(m => m.Value.Interval!.Value).ToList();
        var lower = intervals.OrderBy(i => i.Lower).ThenBy(i => i.LowerClosed ? 0 : 1).First();
        var upper = intervals.OrderByDescending(i => i.Upper).ThenBy(i => i.UpperClosed ? 0 : 1).First();
        var hull = new Interval(lower.Lower, upper.Upper, lower.LowerClosed, upper.UpperClosed);
        return definition.ValueType == FactValueType.Date
            ? new ReconciledValue(hull, null, ValueDisplay.Date(hull), null)
            : new ReconciledValue(hull, null, ValueDisplay.Quantity(hull, definition.Unit), definition.Unit);
    }

    /// <summary>
    /// The served value: the estimator's pick among the claims, with each voice weighed by its source's reliability
    /// (endorsements included). It is one claim's own value, shown as that claim said it, so an exact figure stays exact.
    /// </summary>
    private static (ReconciledValue Value, List<Candidate> Claims, double Probability) Pick(FactDefinition definition, List<Candidate> candidates)
    {
        const string objectId = "fact";
        var weights = candidates.GroupBy(c => c.Claim.SourceId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(c => c.Weight), StringComparer.Ordinal);
        var trustClaims = candidates.Select(c => new TrustClaim(c.Claim.ClaimId, objectId, c.Claim.SourceId, c.Publisher, c.AsTrustValue));
        var verdict = TrustEstimator.Decide(trustClaims, id => weights[id]).FirstOrDefault();
        var chosen = verdict?.Value is { } p ? candidates.Where(c => c.AsTrustValue == p).ToList() : [];
        if (chosen.Count == 0)
        {
            // Cannot happen for a non-empty object, but never serve nothing when claims exist.
            chosen = [candidates.OrderByDescending(c => c.Weight).ThenBy(c => c.Claim.ClaimId, StringComparer.Ordinal).First()];
        }

        var first = chosen.OrderByDescending(c => c.Weight).ThenBy(c => c.Claim.ClaimId, StringComparer.Ordinal).First();
        var display = Display(first, chosen);
        var probability = verdict?.Posterior ?? 0;
        return first.Value.Key is { } key
            ? (new ReconciledValue(null, key, display, null), chosen, probability)
            : (new ReconciledValue(first.Value.Interval, null, display, definition.ValueType == FactValueType.Date ? null : definition.Unit), chosen, probability);
    }

    private static string Display(Candidate first, IEnumerable<Candidate> same) =>
        same.Select(m => m.Claim.Value).OfType<EntityValue>().Select(e => e.Label).FirstOrDefault(l => l is not null)
        ?? first.Claim.Value.Describe();

    private static string Nothing(FactDefinition definition, ValidSpan span, DateOnly? validAt, DateOnly day)
    {
        var what = definition.Describe();
        if (!span.Timeless && day < span.Origin)
        {
            return span.Lifespan is { } life
                ? $"There is no {Bare(what)} for {Iso(day)}: {life.Name} did not exist before {Iso(life.Since)}."
                : $"Nothing is known of {what} before {Iso(span.Origin)}, the earliest date a claim speaks of.";
        }

        return NoActiveClaim(what, validAt);
    }

    // "the founding date" -> "founding date", to follow "There is no".
    private static string Bare(string what) => what.StartsWith("the ", StringComparison.Ordinal) ? what[4..] : what;

    private static string WinnerSentence(FactDefinition definition, Summary winner, ReconciledValue served, List<Candidate> candidates)
    {
        var voices = winner.Cluster.Publishers.Count;
        var claimCount = winner.Cluster.ClaimIds.Count;
        var what = definition.Describe();
        var value = served.Display;
        if (voices == 1)
        {
            var source = candidates.First(c => c.Claim.ClaimId == winner.Cluster.ClaimIds[0]).Source;
            var named = claimCount == 1 && !string.IsNullOrWhiteSpace(source.Title)
                ? $"{source.SpokenName()}, in \u201c{source.Title.Trim()}\u201d,"
                : source.SpokenName() + ",";
            return claimCount == 1
                ? $"One source, {named} puts {what} at {value}."
                : $"{Capital(Count(claimCount))} claims from one publisher, {named} put {what} at {value}.";
        }

        return $"{Capital(Count(voices))} independent sources put {what} at {value}: {List(winner.SpokenNames)}.";
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
            return $"{List(o.SpokenNames)} said {said}";
        });
        return $"Against this, {string.Join("; ", parts)}.";
    }

    private static string ExcludedSentence(List<ClaimState> excluded, ISourceReliabilities reliabilities, DateOnly day)
    {
        var parts = excluded.Select(c =>
        {
            var name = reliabilities.For(c.SourceId).SpokenName();
            if (c.IsRetracted)
            {
                return $"{name} said {c.Value.Describe()}, but that claim was retracted";
            }

            var scoped = c.Disputes.Where(d => d.ExcludesOn(day)).Select(d => d.ExcludedFrom).OfType<DateOnly>().ToList();
            return scoped.Count > 0
                ? $"{name} said {c.Value.Describe()}, which was disputed and the dispute upheld from {Iso(scoped.Min())} on"
                : $"{name} said {c.Value.Describe()}, which was disputed and the dispute upheld";
        }).ToList();
        return parts.Count == 0 ? "" : Capital(string.Join("; ", parts)) + ".";
    }

    private static string List(IReadOnlyList<string> names) =>
        names.Count <= 1 ? string.Join("", names) : string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1];

    private static readonly string[] Numbers =
        ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

    private static string Count(int n) => n < Numbers.Length ? Numbers[n] : n.ToString(CultureInfo.InvariantCulture);

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static string At(DateOnly? day) => day is { } d ? $" for {Iso(d)}" : "";

    private static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Join(params string[] sentences) =>
        string.Join(' ', sentences.Where(s => !string.IsNullOrWhiteSpace(s)));
}
