using SCOFacts.Domain.Facts;

namespace SCOFacts.Domain.Sources;

/// <summary>
/// Holds a fact decision to the documents its quotes come from: a claim's quote, and a dispute's counter-evidence,
/// must occur verbatim in their source's document when the source has one. A claim recorded without a locator
/// gets the one its quote's place gives.
/// </summary>
public static class QuoteEvidence
{
    /// <summary>
    /// The decision as it stands against the documents: unchanged when no quote is checkable, refused when a quote is
    /// not verbatim (with the closest passage in <see cref="Rejection.Details"/>) or its locator points elsewhere,
    /// else with computed locators filled in.
    /// </summary>
    /// <param name="decision">The fact decider's decision.</param>
    /// <param name="documentOf">The document of a source, or null when it has none.</param>
    public static Decision Apply(Decision decision, Func<string, SourceDocument?> documentOf)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(documentOf);
        if (!decision.IsAccepted) return decision;
        var events = new List<object>(decision.Events.Count);
        foreach (var e in decision.Events)
        {
            switch (e)
            {
                case ClaimRecorded recorded when documentOf(recorded.SourceId) is { } document:
                {
                    var check = document.Check(recorded.Quote, recorded.Locator);
                    if (Refusal(check, recorded.SourceId, "quote") is { } refusal) return refusal;
                    events.Add(recorded with { Locator = check.Location!.ToLocator() });
                    break;
                }
                case ClaimDisputed { CounterEvidence: { } evidence } when documentOf(evidence.SourceId) is { } document:
                {
                    if (Refusal(document.Check(evidence.Quote, null), evidence.SourceId, "counterEvidence.quote") is { } refusal) return refusal;
                    events.Add(e);
                    break;
                }
                default:
                    events.Add(e);
                    break;
            }
        }
        return Decision.Accept([.. events]);
    }

    /// <summary>Why a checked quote is refused, or null when it holds; <paramref name="field"/> names it in the request.</summary>
    public static Rejection? Refusal(QuoteCheck check, string sourceId, string field)
    {
        ArgumentNullException.ThrowIfNull(check);
        return check.Outcome switch
        {
            QuoteCheckOutcome.NotFound => Rejection.Validation("quote-not-verbatim",
                    $"The {field} does not occur verbatim in the document of source '{sourceId}'." +
                    (check.Closest is { } p ? $" The closest passage (paragraph {p.Paragraph}, offset {p.Offset}) reads: \"{p.Text}\"." : ""))
                with { Details = new Dictionary<string, object?> { ["field"] = field, ["closestPassage"] = check.Closest } },
            QuoteCheckOutcome.LocatorMismatch => Rejection.Validation("locator-mismatch",
                    $"The quote occurs in the document of source '{sourceId}', but not at the locator given: it is at paragraph " +
                    $"{check.Location!.Paragraph}, offset {check.Location.Offset}. Send that locator, or none to have it computed.")
                with { Details = new Dictionary<string, object?> { ["field"] = "locator", ["suggestedLocator"] = check.Location.ToLocator() } },
            _ => null,
        };
    }
}
