using SCOFacts.Api.Application;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Sources;
using SCOFacts.Domain.Values;

namespace SCOFacts.Api.Http;

/// <summary>The longest text each kind of request field may hold (UTF-16 characters); the OpenAPI schemas show them as maxLength.</summary>
public static class TextLimits
{
    /// <summary>A quote: a sentence or a paragraph of the document, not the document.</summary>
    public const int Quote = 2000;

    /// <summary>Notes, reasons and descriptions.</summary>
    public const int Note = 4000;

    /// <summary>Titles, publishers, authors, URLs and other names.</summary>
    public const int Name = 500;
}

/// <summary>Which point on the two time axes an answer is for.</summary>
/// <param name="ValidAt">Valid time asked for: what was true in the world on that date (null: the latest the claims speak of).</param>
/// <param name="KnownAt">Transaction time asked for: what SCOFacts believed at that moment (null: now).</param>
/// <param name="ReferenceDate">The valid-time day whose claims were reconciled.</param>
/// <param name="CarriedForwardFrom">Set when no claim covers <paramref name="ValidAt"/> and the latest earlier value was carried forward from this date.</param>
public sealed record TimeAxes(DateOnly? ValidAt, DateTimeOffset? KnownAt, DateOnly? ReferenceDate, DateOnly? CarriedForwardFrom)
{
    public bool CarriedForward => CarriedForwardFrom is not null;
}

/// <summary>A reconciled value. Quantities give their interval in the fact's unit; unbounded ends are null.</summary>
public sealed record ValueResponse(string Display, double? Lower, double? Upper, bool? LowerClosed, bool? UpperClosed, string? Key, string? Unit)
{
    public static ValueResponse? From(ReconciledValue? value, FactValueType type)
    {
        if (value is null) return null;
        var numeric = type == FactValueType.Quantity ? value.Interval : null;
        return new ValueResponse(value.Display,
            numeric is { } i && !double.IsInfinity(i.Lower) ? i.Lower : null,
            numeric is { } j && !double.IsInfinity(j.Upper) ? j.Upper : null,
            numeric?.LowerClosed, numeric?.UpperClosed, value.Key, value.Unit);
    }
}

public sealed record DisputeResponse(string Id, string Reason, CounterEvidence? CounterEvidence, string DisputedBy, string Status, string? ResolvedBy, string? ResolutionNote);

/// <summary>A claim: who said what about which fact, when it held, and where it stands now.</summary>
public sealed record ClaimResponse(
    string Id, string FactId, string SourceId, string? SourceTitle, string? Publisher, ClaimValue Value, string ValueText,
    ValidTime ValidTime, string Quote, Locator? Locator, string? Note, string Status, string RecordedBy,
    IReadOnlyList<DisputeResponse> Disputes, IReadOnlyList<Endorsement> Endorsements, string? RetractionReason, int Corrections)
{
    public static ClaimResponse From(string factId, ClaimState claim, IReadOnlyDictionary<string, SourceState> sources)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(sources);
        sources.TryGetValue(claim.SourceId, out var source);
        return new ClaimResponse(claim.ClaimId, factId, claim.SourceId, source?.Title, source?.Publisher, claim.Value,
            claim.Value.Describe(), claim.ValidTime, claim.Quote, claim.Locator, claim.Note, Wire.ClaimStatus(claim), claim.RecordedBy,
            claim.Disputes.Select(d => new DisputeResponse(d.DisputeId, d.Reason, d.CounterEvidence, d.DisputedBy,
                Wire.DisputeStatus(d.Status), d.ResolvedBy, d.ResolutionNote)).ToList(),
            claim.Endorsements, claim.RetractionReason, claim.CorrectionCount);
    }
}

/// <summary>A source's weight in one answer, and where the number came from (rated, learned or default).</summary>
public sealed record ReliabilityResponse(string SourceId, string Publisher, double Reliability, string Origin, int Support)
{
    public static ReliabilityResponse From(SourceReliability r) =>
        new(r.SourceId, r.Publisher, r.Reliability, Wire.Name(r.Origin), r.SupportCount);
}

/// <summary>A reconciled fact: the best-supported value, the verdict, the claims for and against, and why.</summary>
public sealed record FactResponse(
    string Id, string Subject, string Property, IReadOnlyDictionary<string, string> Qualifiers, string ValueType, string? Unit,
    IReadOnlyList<string>? AllowedStatuses, string Description, long Version, TimeAxes AsOf, string Verdict, ValueResponse? Value,
    double Confidence, string Explanation, IReadOnlyList<ClaimResponse> Supporting, IReadOnlyList<ClaimResponse> Conflicting,
    IReadOnlyList<ClaimResponse> Excluded, IReadOnlyList<ReliabilityResponse> Reliabilities, int ClaimCount,
    ValueResponse? SupportingRange = null)
{
    /// <summary>The served value is one claim's own; <see cref="SupportingRange"/> is the range all its supporting claims span.</summary>
    public static FactResponse From(FactSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var d = snapshot.Definition;
        var r = snapshot.Result;
        List<ClaimResponse> Claims(IEnumerable<string> ids) =>
            ids.Where(snapshot.State.Claims.ContainsKey).Select(id => ClaimResponse.From(d.FactId, snapshot.State.Claims[id], snapshot.Sources)).ToList();
        return new FactResponse(d.FactId, d.Subject, d.Property, d.Qualifiers, Wire.Name(d.ValueType), d.Unit, d.AllowedStatuses,
            d.Description, snapshot.Version, new TimeAxes(snapshot.ValidAt, snapshot.KnownAt, r.ReferenceDate, r.CarriedForwardFrom),
            Wire.Name(r.Verdict), ValueResponse.From(r.Value, d.ValueType), Math.Round(r.Confidence, 4), r.Explanation,
            Claims(r.SupportingClaimIds), Claims(r.ConflictingClaimIds), Claims(r.ExcludedClaimIds),
            r.ReliabilitiesUsed.Select(ReliabilityResponse.From).ToList(), snapshot.State.Claims.Count,
            r.Value is null ? null : ValueResponse.From(r.Clusters.FirstOrDefault()?.Value, d.ValueType));
    }
}

/// <summary>A fact in a list: its current reconciliation in brief.</summary>
public sealed record FactSummary(
    string Id, string Subject, string Property, IReadOnlyDictionary<string, string> Qualifiers, string ValueType, string? Unit,
    string Description, long Version, string Verdict, string? Value, double Confidence, int ClaimCount, int ActiveClaimCount,
    int OpenDisputeCount, string Explanation, TimeAxes? AsOf = null)
{
    public static FactSummary From(FactRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(row.FactId, row.Subject, row.Property, row.Qualifiers, row.ValueType, row.Unit, row.Description, row.Version,
            row.Verdict, row.ValueDisplay, Math.Round(row.Confidence, 4), row.ClaimCount, row.ActiveClaimCount, row.OpenDisputeCount, row.Explanation);
    }

    public static FactSummary From(FactSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var d = snapshot.Definition;
        var r = snapshot.Result;
        var claims = snapshot.State.ClaimsInOrder.ToList();
        return new(d.FactId, d.Subject, d.Property, d.Qualifiers, Wire.Name(d.ValueType), d.Unit, d.Description, snapshot.Version,
            Wire.Name(r.Verdict), r.Value?.Display, Math.Round(r.Confidence, 4), claims.Count, claims.Count(c => c.IsActive),
            claims.Count(c => c.OpenDispute is not null), r.Explanation,
            new TimeAxes(snapshot.ValidAt, snapshot.KnownAt, r.ReferenceDate, r.CarriedForwardFrom));
    }
}

/// <summary>A source and its standing: the editor's rating, what was learned, and how much it has claimed.</summary>
public sealed record SourceResponse(
    string Id, string Title, string Publisher, string? Author, string? Url, string? PublishedOn, string Kind, string Language,
    string? Document, string? Sha256, string? Note, ReliabilityView Reliability, int ClaimCount, int ActiveClaimCount, long Version)
{
    public static SourceResponse From(SourceRow s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var effective = Reliabilities.Entry(s.SourceId, s.Publisher, s.Title, s.RatedReliability, s.RatingCount, s.LearnedReliability, s.LearnedSupport);
        return new(s.SourceId, s.Title, s.Publisher, s.Author, s.Url, s.PublishedOn, s.Kind, s.Language, s.Document, s.Sha256, s.Note,
            new ReliabilityView(effective.Reliability, Wire.Name(effective.Origin), effective.SupportCount, s.RatedReliability, s.RatingReason,
                s.RatedBy, s.LearnedReliability, s.LearnedSupport),
            s.ClaimCount, s.ActiveClaimCount, s.Version);
    }
}

/// <summary>The weight reconciliation uses (<paramref name="Value"/>) and both inputs: the editor's rating and the learned estimate.
/// <paramref name="LearnedHistory"/> (a single source's view only) lists how the learned estimate changed, oldest first.</summary>
public sealed record ReliabilityView(double Value, string Origin, int Support, double? Rated, string? RatingReason, string? RatedBy, double? Learned, int LearnedSupport,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<SCOFacts.Api.Trust.LearnedEstimate>? LearnedHistory = null);

/// <summary>A page of a list; pass <paramref name="NextCursor"/> as <c>cursor</c> for the next one.</summary>
public sealed record PageResponse<T>(IReadOnlyList<T> Items, string? NextCursor);
