using System.Collections.Immutable;
using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Facts;

/// <summary>The fact aggregate: initial state, evolve and decide, for the generic command runner.</summary>
public sealed class Fact : IAggregate<FactState, IFactCommand, IFactContext>
{
    private Fact()
    {
    }

    public static string StreamId(string id) => "fact-" + id;

    public static FactState Initial => FactState.Initial;

    public static FactState Evolve(FactState state, object @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        return @event switch
        {
            FactDefined e => state.Apply(e),
            ClaimRecorded e => state.Apply(e),
            ClaimDisputed e => state.Apply(e),
            DisputeUpheld e => state.Apply(e),
            DisputeRejected e => state.Apply(e),
            ClaimEndorsed e => state.Apply(e),
            ClaimRetracted e => state.Apply(e),
            ClaimCorrected e => state.Apply(e),
            _ => state,
        };
    }

    public static FactState Fold(IEnumerable<object> events) => events.Aggregate(Initial, Evolve);

    public static Decision Decide(IFactCommand command, FactState state, IFactContext context)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(context);
        if (command is DefineFact define)
        {
            return Define(define, state);
        }

        if (state.Definition is not { } fact)
        {
            return Rejection.NotFound("unknown-fact", $"Fact '{command.FactId}' is not defined.");
        }

        if (command is RecordClaim record)
        {
            return Record(record, fact, state, context);
        }

        var claimId = command switch
        {
            DisputeClaim c => c.ClaimId,
            UpholdDispute c => c.ClaimId,
            RejectDispute c => c.ClaimId,
            EndorseClaim c => c.ClaimId,
            RetractClaim c => c.ClaimId,
            CorrectClaim c => c.ClaimId,
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown fact command."),
        };
        if (!state.Claims.TryGetValue(claimId, out var claim))
        {
            return Rejection.NotFound("unknown-claim", $"Fact '{fact.FactId}' has no claim '{claimId}'.");
        }

        return command switch
        {
            DisputeClaim c => Dispute(c, claim, state, context),
            UpholdDispute c => Resolve(claim, c.DisputeId)
                ?? Decision.Accept(new DisputeUpheld(fact.FactId, c.ClaimId, c.DisputeId, c.Editor, c.Note)),
            RejectDispute c => Resolve(claim, c.DisputeId)
                ?? Decision.Accept(new DisputeRejected(fact.FactId, c.ClaimId, c.DisputeId, c.Editor, c.Note)),
            EndorseClaim c => Endorse(c, claim),
            RetractClaim c => Retract(c, claim),
            CorrectClaim c => Correct(c, fact, claim),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown fact command."),
        };
    }

    private static Decision Define(DefineFact c, FactState state)
    {
        if (state.IsDefined)
        {
            return Rejection.Conflict("fact-exists", $"Fact '{c.FactId}' is already defined.");
        }

        if (!Slug.IsValid(c.FactId))
        {
            return Rejection.Validation("bad-fact-id", $"'{c.FactId}' is not a slug (lower-case words, digits, dots, hyphens).");
        }

        if (string.IsNullOrWhiteSpace(c.Subject) || string.IsNullOrWhiteSpace(c.Property))
        {
            return Rejection.Validation("missing-field", "A fact needs a subject and a property.");
        }

        if (!Enum.TryParse<FactValueType>(c.ValueType, ignoreCase: true, out var type)
            || ValueNormaliser.Name(type) != c.ValueType)
        {
            return Rejection.Validation("unknown-value-type",
                $"'{c.ValueType}' is not a value type (quantity, date, status, entity, boolean, text).");
        }

        if (type == FactValueType.Quantity && !Units.TryGet(c.Unit, out _))
        {
            return Rejection.Validation("unknown-unit", $"A quantity fact needs a known unit; '{c.Unit}' is not one.");
        }

        if (type != FactValueType.Quantity && c.Unit is not null)
        {
            return Rejection.Validation("unexpected-unit", "Only quantity facts have a unit.");
        }

        if (type == FactValueType.Status && (c.AllowedStatuses is not { Count: > 0 } statuses
            || statuses.Any(string.IsNullOrWhiteSpace) || statuses.Distinct(StringComparer.Ordinal).Count() != statuses.Count))
        {
            return Rejection.Validation("bad-allowed-statuses", "A status fact needs a non-empty list of distinct statuses.");
        }

        if (type != FactValueType.Status && c.AllowedStatuses is not null)
        {
            return Rejection.Validation("unexpected-allowed-statuses", "Only status facts have allowed statuses.");
        }

        var qualifiers = c.Qualifiers ?? ImmutableDictionary<string, string>.Empty;
        if (qualifiers.Any(q => string.IsNullOrWhiteSpace(q.Key) || string.IsNullOrWhiteSpace(q.Value)))
        {
            return Rejection.Validation("bad-qualifier", "Qualifier keys and values must not be empty.");
        }

        return Decision.Accept(new FactDefined(c.FactId, c.Subject.Trim(), c.Property.Trim(),
            qualifiers.ToImmutableSortedDictionary(StringComparer.Ordinal), type, c.Unit, c.AllowedStatuses,
            c.Description?.Trim() ?? "", c.DefinedBy));
    }

    private static Decision Record(RecordClaim c, FactDefinition fact, FactState state, IFactContext context)
    {
        if (state.Claims.ContainsKey(c.ClaimId))
        {
            return Rejection.Conflict("claim-exists", $"Claim id '{c.ClaimId}' is already used in fact '{fact.FactId}'.");
        }

        if (!Slug.IsValid(c.ClaimId))
        {
            return Rejection.Validation("bad-claim-id", $"'{c.ClaimId}' is not a slug.");
        }

        if (!context.SourceExists(c.SourceId))
        {
            return Rejection.Validation("unknown-source", $"Source '{c.SourceId}' is not registered.");
        }

        if (string.IsNullOrWhiteSpace(c.Quote))
        {
            return Rejection.Validation("empty-quote", "A claim needs a verbatim quote from its source.");
        }

        if (c.ValidTime is null)
        {
            return Rejection.Validation("bad-valid-time", "A claim needs a valid time.");
        }

        if (c.ValidTime.Validate() is { } badTime)
        {
            return badTime;
        }

        if (c.Locator is { } locator && (locator.Paragraph < 1 || locator.Offset < 0))
        {
            return Rejection.Validation("bad-locator", "Paragraphs count from 1 and offsets from 0.");
        }

        return c.Value is null ? Rejection.Validation("empty-value", "A claim needs a value.")
            : !fact.TryNormalise(c.Value, out _, out var bad) ? bad!
            : Decision.Accept(new ClaimRecorded(fact.FactId, c.ClaimId, c.SourceId, c.Value, c.ValidTime, c.Quote,
                c.Locator, c.Note, c.RecordedBy));
    }

    private static Decision Dispute(DisputeClaim c, ClaimState claim, FactState state, IFactContext context)
    {
        if (claim.IsRetracted)
        {
            return Rejection.Conflict("claim-retracted", $"Claim '{claim.ClaimId}' was retracted; there is nothing to dispute.");
        }

        if (claim.HasUpheldDispute)
        {
            return Rejection.Conflict("claim-inactive", $"A dispute against claim '{claim.ClaimId}' was already upheld.");
        }

        if (claim.OpenDispute is { } open)
        {
            return Rejection.Conflict("dispute-open", $"Claim '{claim.ClaimId}' already has an open dispute '{open.DisputeId}'.");
        }

        if (state.DisputeIds.Contains(c.DisputeId))
        {
            return Rejection.Conflict("dispute-exists", $"Dispute id '{c.DisputeId}' is already used.");
        }

        if (!Slug.IsValid(c.DisputeId))
        {
            return Rejection.Validation("bad-dispute-id", $"'{c.DisputeId}' is not a slug.");
        }

        if (string.IsNullOrWhiteSpace(c.Reason))
        {
            return Rejection.Validation("missing-reason", "A dispute needs a reason.");
        }

        if (c.CounterEvidence is { } evidence)
        {
            if (!context.SourceExists(evidence.SourceId))
            {
                return Rejection.Validation("unknown-source", $"Counter-evidence source '{evidence.SourceId}' is not registered.");
            }

            if (string.IsNullOrWhiteSpace(evidence.Quote))
            {
                return Rejection.Validation("empty-quote", "Counter-evidence needs a verbatim quote.");
            }
        }

        return Decision.Accept(new ClaimDisputed(c.FactId, c.ClaimId, c.DisputeId, c.Reason.Trim(), c.CounterEvidence, c.DisputedBy));
    }

    private static Rejection? Resolve(ClaimState claim, string disputeId)
    {
        var dispute = claim.Disputes.FirstOrDefault(d => d.DisputeId == disputeId);
        return dispute is null
            ? Rejection.NotFound("unknown-dispute", $"Claim '{claim.ClaimId}' has no dispute '{disputeId}'.")
            : dispute.Status != DisputeStatus.Open
                ? Rejection.Conflict("dispute-resolved", $"Dispute '{disputeId}' was already {dispute.Status.ToString().ToLowerInvariant()}.")
                : null;
    }

    private static Decision Endorse(EndorseClaim c, ClaimState claim) =>
        claim.IsRetracted ? Rejection.Conflict("claim-retracted", $"Claim '{claim.ClaimId}' was retracted and cannot be endorsed.")
        : claim.HasUpheldDispute ? Rejection.Conflict("claim-inactive", $"A dispute against claim '{claim.ClaimId}' was upheld; it cannot be endorsed.")
        : claim.Endorsements.Any(e => e.Checker == c.Checker)
            ? Rejection.Conflict("already-endorsed", $"{c.Checker} has already endorsed claim '{claim.ClaimId}'.")
        : Decision.Accept(new ClaimEndorsed(c.FactId, c.ClaimId, c.Checker, c.Note));

    private static Decision Retract(RetractClaim c, ClaimState claim) =>
        claim.IsRetracted ? Rejection.Conflict("claim-retracted", $"Claim '{claim.ClaimId}' is already retracted.")
        : string.IsNullOrWhiteSpace(c.Reason) ? Rejection.Validation("missing-reason", "A retraction needs a reason.")
        : Decision.Accept(new ClaimRetracted(c.FactId, c.ClaimId, c.Editor, c.Reason.Trim()));

    private static Decision Correct(CorrectClaim c, FactDefinition fact, ClaimState claim)
    {
        if (claim.IsRetracted)
        {
            return Rejection.Conflict("claim-retracted", $"Claim '{claim.ClaimId}' was retracted and cannot be corrected.");
        }

        if (string.IsNullOrWhiteSpace(c.Reason))
        {
            return Rejection.Validation("missing-reason", "A correction needs a reason.");
        }

        if (c.NewValue is null)
        {
            return Rejection.Validation("empty-value", "A correction needs a new value.");
        }

        if (!fact.TryNormalise(c.NewValue, out _, out var bad))
        {
            return bad!;
        }

        return c.NewValue == claim.Value
            ? Rejection.Validation("no-change", "The new value is the same as the current one.")
            : Decision.Accept(new ClaimCorrected(c.FactId, c.ClaimId, claim.Value, c.NewValue, c.Editor, c.Reason.Trim()));
    }
}
