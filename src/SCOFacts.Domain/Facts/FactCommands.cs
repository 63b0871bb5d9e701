using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Facts;

/// <summary>A command on one fact; every command carries the principal who issued it.</summary>
public interface IFactCommand
{
    string FactId { get; }
}

/// <param name="ValueType">quantity, date, status, entity, boolean or text; anything else is rejected.</param>
/// <param name="FactId">The fact's slug.</param>
/// <param name="Subject">What the fact is about, e.g. "sco".</param>
/// <param name="Property">Which property, e.g. "population-share-of-world".</param>
/// <param name="Qualifiers">Extra keys, e.g. state: india.</param>
/// <param name="Unit">For quantities, the canonical unit claims are compared in.</param>
/// <param name="AllowedStatuses">For status facts, the fixed set of statuses, in order.</param>
/// <param name="Description">One sentence for readers.</param>
/// <param name="DefinedBy">Principal name.</param>
public sealed record DefineFact(
    string FactId,
    string Subject,
    string Property,
    IReadOnlyDictionary<string, string>? Qualifiers,
    string ValueType,
    string? Unit,
    IReadOnlyList<string>? AllowedStatuses,
    string Description,
    string DefinedBy) : IFactCommand;

public sealed record RecordClaim(
    string FactId,
    string ClaimId,
    string SourceId,
    ClaimValue Value,
    ValidTime ValidTime,
    string Quote,
    Locator? Locator,
    string? Note,
    string RecordedBy) : IFactCommand;

public sealed record DisputeClaim(
    string FactId,
    string ClaimId,
    string DisputeId,
    string Reason,
    CounterEvidence? CounterEvidence,
    string DisputedBy) : IFactCommand;

public sealed record UpholdDispute(string FactId, string ClaimId, string DisputeId, string Editor, string? Note) : IFactCommand;

public sealed record RejectDispute(string FactId, string ClaimId, string DisputeId, string Editor, string? Note) : IFactCommand;

public sealed record EndorseClaim(string FactId, string ClaimId, string Checker, string? Note) : IFactCommand;

public sealed record RetractClaim(string FactId, string ClaimId, string Editor, string Reason) : IFactCommand;

public sealed record CorrectClaim(string FactId, string ClaimId, ClaimValue NewValue, string Editor, string Reason) : IFactCommand;

/// <summary>What a fact decider may know beyond the fact's own stream: which sources exist. No I/O.</summary>
public interface IFactContext
{
    bool SourceExists(string sourceId);
}

/// <summary>A fact context over an in-memory set of source ids.</summary>
public sealed class KnownSources(IEnumerable<string> sourceIds) : IFactContext
{
    private readonly HashSet<string> ids = new(sourceIds, StringComparer.Ordinal);

    public bool SourceExists(string sourceId) => ids.Contains(sourceId);
}
