using System.Collections.Immutable;
using System.Text.Json.Serialization;
using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Facts;

// Events: the story of one fact, stream "fact-{id}". Every event names its fact so projections
// reading the global feed need not parse stream ids.

public sealed record FactDefined(
    string FactId,
    string Subject,
    string Property,
    IReadOnlyDictionary<string, string> Qualifiers,
    FactValueType ValueType,
    string? Unit,
    IReadOnlyList<string>? AllowedStatuses,
    string Description,
    string DefinedBy);

/// <summary>Where a quote sits in its document: 1-based non-empty line and 0-based UTF-16 offset.</summary>
public sealed record Locator(int? Paragraph = null, int? Offset = null);

public sealed record ClaimRecorded(
    string FactId,
    string ClaimId,
    string SourceId,
    ClaimValue Value,
    ValidTime ValidTime,
    string Quote,
    Locator? Locator,
    string? Note,
    string RecordedBy);

public sealed record CounterEvidence(string SourceId, string Quote);

public sealed record ClaimDisputed(
    string FactId,
    string ClaimId,
    string DisputeId,
    string Reason,
    CounterEvidence? CounterEvidence,
    string DisputedBy);

public sealed record DisputeUpheld(string FactId, string ClaimId, string DisputeId, string Editor, string? Note);

public sealed record DisputeRejected(string FactId, string ClaimId, string DisputeId, string Editor, string? Note);

public sealed record ClaimEndorsed(string FactId, string ClaimId, string Checker, string? Note);

public sealed record ClaimRetracted(string FactId, string ClaimId, string Editor, string Reason);

public sealed record ClaimCorrected(string FactId, string ClaimId, ClaimValue OldValue, ClaimValue NewValue, string Editor, string Reason);

// State.

public sealed record FactDefinition(
    string FactId,
    string Subject,
    string Property,
    IReadOnlyDictionary<string, string> Qualifiers,
    FactValueType ValueType,
    string? Unit,
    IReadOnlyList<string>? AllowedStatuses,
    string Description)
{
    public bool TryNormalise(ClaimValue value, out NormalisedValue normalised, out Rejection? rejection) =>
        ValueNormaliser.TryNormalise(value, ValueType, Unit, AllowedStatuses, out normalised, out rejection);

    /// <summary>"the share of the world's population" or "the membership status of India": see <see cref="PropertyPhrase"/>.</summary>
    public string Describe() => PropertyPhrase.Describe(Property, Qualifiers);
}

[JsonConverter(typeof(JsonStringEnumConverter<DisputeStatus>))]
public enum DisputeStatus
{
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("upheld")] Upheld,
    [JsonStringEnumMemberName("rejected")] Rejected,
}

/// <param name="DisputeId">The dispute.</param>
/// <param name="Reason">Why the claim was disputed.</param>
/// <param name="CounterEvidence">A source and quote against the claim, if given.</param>
/// <param name="DisputedBy">Who disputed it.</param>
/// <param name="Status">Open, upheld or rejected.</param>
/// <param name="ResolvedBy">The editor who resolved it.</param>
/// <param name="ResolutionNote">The editor's note.</param>
/// <param name="ExcludedFrom">When upheld on counter-evidence whose source speaks of this fact from a date on, the claim is
/// set aside from that date only (before it, the counter-evidence says nothing); null when the whole claim goes.</param>
public sealed record DisputeState(
    string DisputeId,
    string Reason,
    CounterEvidence? CounterEvidence,
    string DisputedBy,
    DisputeStatus Status,
    string? ResolvedBy,
    string? ResolutionNote,
    DateOnly? ExcludedFrom = null)
{
    /// <summary>Whether this dispute, upheld, sets its claim aside on <paramref name="day"/>.</summary>
    public bool ExcludesOn(DateOnly day) => Status == DisputeStatus.Upheld && (ExcludedFrom is not { } from || day >= from);
}

public sealed record Endorsement(string Checker, string? Note);

public sealed record ClaimState(
    string ClaimId,
    string SourceId,
    ClaimValue Value,
    ValidTime ValidTime,
    string Quote,
    Locator? Locator,
    string? Note,
    string RecordedBy,
    bool IsRetracted,
    string? RetractionReason,
    ImmutableList<DisputeState> Disputes,
    ImmutableList<Endorsement> Endorsements,
    int CorrectionCount)
{
    [JsonIgnore]
    public bool HasUpheldDispute => Disputes.Any(d => d.Status == DisputeStatus.Upheld);

    [JsonIgnore]
    public DisputeState? OpenDispute => Disputes.FirstOrDefault(d => d.Status == DisputeStatus.Open);

    /// <summary>Not retracted and no dispute upheld against it (for any period): what the claim index and trust count.</summary>
    [JsonIgnore]
    public bool IsActive => !IsRetracted && !HasUpheldDispute;

    /// <summary>Counts towards reconciliation on <paramref name="day"/>: not retracted, and no upheld dispute covers that day.</summary>
    public bool IsActiveOn(DateOnly day) => !IsRetracted && (Disputes.IsEmpty || !Disputes.Any(d => d.ExcludesOn(day)));

    /// <summary>Set aside on some days but not all: an upheld dispute scoped to a date on.</summary>
    [JsonIgnore]
    public bool IsPartlyExcluded => !IsRetracted && HasUpheldDispute && Disputes.All(d => d.Status != DisputeStatus.Upheld || d.ExcludedFrom is not null);

    public ClaimState WithDispute(string disputeId, Func<DisputeState, DisputeState> change) => this with
    {
        Disputes = Disputes.Select(d => d.DisputeId == disputeId ? change(d) : d).ToImmutableList(),
    };
}

public sealed record FactState(
    FactDefinition? Definition,
    ImmutableDictionary<string, ClaimState> Claims,
    ImmutableList<string> ClaimOrder,
    ImmutableHashSet<string> DisputeIds)
{
    public static FactState Initial { get; } = new(null,
        ImmutableDictionary<string, ClaimState>.Empty.WithComparers(StringComparer.Ordinal),
        [], ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal));

    public bool IsDefined => Definition is not null;

    /// <summary>Claims in the order they were recorded.</summary>
    public IEnumerable<ClaimState> ClaimsInOrder => ClaimOrder.Select(id => Claims[id]);

    public FactState Apply(FactDefined e) => this with
    {
        Definition = new FactDefinition(e.FactId, e.Subject, e.Property, e.Qualifiers, e.ValueType, e.Unit,
            e.AllowedStatuses, e.Description),
    };

    public FactState Apply(ClaimRecorded e) => this with
    {
        Claims = Claims.SetItem(e.ClaimId, new ClaimState(e.ClaimId, e.SourceId, e.Value, e.ValidTime, e.Quote,
            e.Locator, e.Note, e.RecordedBy, false, null, [], [], 0)),
        ClaimOrder = Claims.ContainsKey(e.ClaimId) ? ClaimOrder : ClaimOrder.Add(e.ClaimId),
    };

    public FactState Apply(ClaimDisputed e) => Change(e.ClaimId, c => c with
    {
        Disputes = c.Disputes.Add(new DisputeState(e.DisputeId, e.Reason, e.CounterEvidence, e.DisputedBy,
            DisputeStatus.Open, null, null)),
    }) with
    { DisputeIds = DisputeIds.Add(e.DisputeId) };

    public FactState Apply(DisputeUpheld e) => Change(e.ClaimId, c => c.WithDispute(e.DisputeId,
        d => d with { Status = DisputeStatus.Upheld, ResolvedBy = e.Editor, ResolutionNote = e.Note, ExcludedFrom = ScopeOf(c, d) }));

    /// <summary>
    /// The first day an upheld dispute speaks for. A claim about one period (<c>at</c>) stands or falls as a whole. A claim
    /// spanning a stretch of time (<c>from</c>/<c>to</c>) is set aside from the earliest valid time of the counter-evidence
    /// source's own claims on this fact: evidence about November 2025 cannot show "blocked until 2025" wrong for 2020.
    /// Without counter-evidence, or when its source claims nothing here (or claims it without a start), the whole claim goes.
    /// </summary>
    private DateOnly? ScopeOf(ClaimState disputed, DisputeState dispute)
    {
        if (disputed.ValidTime.At is not null || dispute.CounterEvidence?.SourceId is not { } source) return null;
        var starts = Claims.Values
            .Where(c => c.ClaimId != disputed.ClaimId && c.SourceId == source && !c.IsRetracted)
            .Select(c => c.ValidTime.Range.Start)
            .ToList();
        if (starts.Count == 0 || starts.Any(s => s is null)) return null;
        var from = starts.Min()!.Value;
        // A scope that starts where the claim does is the whole claim.
        return disputed.ValidTime.Range.Start is { } claimStart && from <= claimStart ? null : from;
    }

    public FactState Apply(DisputeRejected e) => Change(e.ClaimId, c => c.WithDispute(e.DisputeId,
        d => d with { Status = DisputeStatus.Rejected, ResolvedBy = e.Editor, ResolutionNote = e.Note }));

    public FactState Apply(ClaimEndorsed e) => Change(e.ClaimId, c => c with
    {
        Endorsements = c.Endorsements.Add(new Endorsement(e.Checker, e.Note)),
    });

    public FactState Apply(ClaimRetracted e) => Change(e.ClaimId, c => c with
    {
        IsRetracted = true,
        RetractionReason = e.Reason,
    });

    public FactState Apply(ClaimCorrected e) => Change(e.ClaimId, c => c with
    {
        Value = e.NewValue,
        CorrectionCount = c.CorrectionCount + 1,
    });

    private FactState Change(string claimId, Func<ClaimState, ClaimState> change) =>
        Claims.TryGetValue(claimId, out var claim) ? this with { Claims = Claims.SetItem(claimId, change(claim)) } : this;
}
