using System.Text.Json.Serialization;
using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Reconciliation;

[JsonConverter(typeof(JsonStringEnumConverter<Verdict>))]
public enum Verdict
{
    /// <summary>Two or more independent voices agree and no active claim conflicts.</summary>
    [JsonStringEnumMemberName("consensus")] Consensus,

    /// <summary>Conflicting clusters and none has a clear majority of independent weight.</summary>
    [JsonStringEnumMemberName("contested")] Contested,

    /// <summary>An editor upheld a dispute here, or one side holds at least two thirds of the weight.</summary>
    [JsonStringEnumMemberName("settled")] Settled,

    /// <summary>One independent voice (possibly in several claims).</summary>
    [JsonStringEnumMemberName("single-source")] SingleSource,

    /// <summary>No active claim.</summary>
    [JsonStringEnumMemberName("unverified")] Unverified,
}

/// <summary>A reconciled value: an interval (quantities in the fact's unit, dates in day numbers) or a key.</summary>
public sealed record ReconciledValue(Interval? Interval, string? Key, string Display, string? Unit);

/// <summary>Compatible claims, the range they span, their independent voices and their summed weight (one voice per publisher).</summary>
public sealed record ClaimCluster(
    ReconciledValue Value,
    IReadOnlyList<string> ClaimIds,
    IReadOnlyList<string> Publishers,
    double Weight);

/// <summary>What the sources say about a fact at one valid time, and how sure we are.</summary>
/// <param name="ValidAt">The valid time asked about; null for a read without a date (answered for today).</param>
/// <param name="ReferenceDate">The day whose claims were reconciled (when carried forward, the day the figure became
/// valid); null for a timeless fact.</param>
/// <param name="CarriedForwardFrom">When no claim covers <paramref name="ValidAt"/>, the day the carried-forward
/// figure became valid; null otherwise.</param>
/// <param name="FactId">The fact.</param>
/// <param name="Verdict">See <see cref="Verdict"/>.</param>
/// <param name="Value">The served value: one claim's own value (the best-scoring pick), as that claim put it; null when unverified.</param>
/// <param name="Confidence">0..1.</param>
/// <param name="SupportingClaimIds">Claims in the cluster of the served value.</param>
/// <param name="ConflictingClaimIds">Active claims in other clusters.</param>
/// <param name="ExcludedClaimIds">Claims about this time that were retracted or had a dispute upheld.</param>
/// <param name="Clusters">All clusters, the served value's first, then strongest first; each cluster's value is the range its claims span.</param>
/// <param name="ReliabilitiesUsed">The reliability of every source whose claims were weighed.</param>
/// <param name="Explanation">Sentences a journalist could read aloud.</param>
public sealed record FactReconciliation(
    string FactId,
    DateOnly? ValidAt,
    DateOnly? ReferenceDate,
    Verdict Verdict,
    ReconciledValue? Value,
    double Confidence,
    IReadOnlyList<string> SupportingClaimIds,
    IReadOnlyList<string> ConflictingClaimIds,
    IReadOnlyList<string> ExcludedClaimIds,
    DateOnly? CarriedForwardFrom,
    IReadOnlyList<ClaimCluster> Clusters,
    IReadOnlyList<SourceReliability> ReliabilitiesUsed,
    string Explanation)
{
    public bool IsCarriedForward => CarriedForwardFrom is not null;

    /// <summary>Same answer: verdict, value and claims (used to merge timeline segments).</summary>
    public bool SameOutcomeAs(FactReconciliation other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Verdict == other.Verdict
            && Value?.Display == other.Value?.Display
            && Value?.Key == other.Value?.Key
            && SupportingClaimIds.SequenceEqual(other.SupportingClaimIds)
            && ConflictingClaimIds.SequenceEqual(other.ConflictingClaimIds)
            && ExcludedClaimIds.SequenceEqual(other.ExcludedClaimIds);
    }
}

/// <summary>One stretch of valid time, [From, To), with one answer. Null ends are open.</summary>
public sealed record TimelineSegment(DateOnly? From, DateOnly? To, FactReconciliation Result);

/// <summary>
/// What of an answer depends on the exact day asked, within a stretch of valid time where everything else stays the
/// same: the reference date (the day itself, unless a figure is carried forward) and the explanation's opening
/// sentence (which names the day when a figure is carried forward, and the date asked when nothing speaks for it).
/// </summary>
/// <param name="Timeless">A timeless fact's answers have no reference date.</param>
/// <param name="ReferenceCarriedFrom">The day the claims that speak were carried forward from, if they were: the reference date.</param>
/// <param name="CarriedForwardFrom">The carried-forward figure's first day, when the answer serves one.</param>
/// <param name="Missing">When no claim gives a value: what is missing ("the share of ..."), for the opening sentence.</param>
/// <param name="Rest">The explanation after its opening sentence.</param>
public sealed record DayDependence(bool Timeless, DateOnly? ReferenceCarriedFrom, DateOnly? CarriedForwardFrom, string? Missing, string Rest)
{
    /// <summary>The day whose claims were reconciled, for a read on <paramref name="day"/>.</summary>
    public DateOnly? ReferenceDate(DateOnly day)
    {
        var reference = ReferenceCarriedFrom ?? day;
        return Timeless || reference == DateOnly.MinValue ? null : reference;
    }

    /// <summary>The explanation of a read on <paramref name="day"/>, asked for <paramref name="validAt"/> (null: a read without a date).</summary>
    public string Explanation(DateOnly day, DateOnly? validAt) => Reconciler.JoinSentences(
        CarriedForwardFrom is { } from ? Reconciler.CarriedForward(day, from)
        : Missing is { } what ? Reconciler.NoActiveClaim(what, validAt)
        : "",
        Rest);
}

/// <summary>One stretch of valid time, [From, To) (null ends open), over which a fact's answer is the same but for
/// <paramref name="Day"/>'s parts. <paramref name="Result"/> is a read without a date on the stretch's first day.</summary>
public sealed record AnswerStretch(DateOnly? From, DateOnly? To, FactReconciliation Result, DayDependence Day)
{
    public bool Covers(DateOnly day) => (From is not { } from || from <= day) && (To is not { } to || day < to);

    /// <summary>The answer to a read without a date on <paramref name="day"/>, a day the stretch covers: what
    /// reconciling the fact afresh for that day gives.</summary>
    public FactReconciliation On(DateOnly day) => Result with { ReferenceDate = Day.ReferenceDate(day), Explanation = Day.Explanation(day, null) };
}
