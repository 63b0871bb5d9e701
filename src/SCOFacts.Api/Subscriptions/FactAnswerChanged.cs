namespace SCOFacts.Api.Subscriptions;

/// <summary>A fact's reconciled answer at one moment, as it is served: value, verdict and confidence (with its band).</summary>
/// <param name="FactId">The fact.</param>
/// <param name="Subject">The fact's subject.</param>
/// <param name="Property">The fact's property.</param>
/// <param name="Value">The best-supported value as displayed; null when no claim stands.</param>
/// <param name="Verdict">consensus, contested, settled, single-source or unverified.</param>
/// <param name="Confidence">The answer's confidence; null when no claim stands.</param>
/// <param name="Band">The confidence's band (<see cref="ConfidenceBands"/>).</param>
/// <param name="Version">The fact stream's version the answer was reconciled at.</param>
/// <param name="At">When the answer was reconciled (the time of the write that moved it).</param>
public sealed record FactAnswer(string FactId, string Subject, string Property, string? Value, string Verdict, double? Confidence,
    string Band, long Version, DateTimeOffset At)
{
    /// <summary>Whether a subscriber would see a different answer: another value, verdict or confidence band.</summary>
    public bool DiffersFrom(FactAnswer other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return !string.Equals(Value, other.Value, StringComparison.Ordinal)
            || !string.Equals(Verdict, other.Verdict, StringComparison.Ordinal)
            || !string.Equals(Band, other.Band, StringComparison.Ordinal);
    }
}

/// <summary>
/// A fact's reconciled answer changed (value, verdict or confidence band). Published through the transactional
/// outbox in the transaction that changed it: a write that rolls back publishes nothing, one that commits is
/// never lost.
/// </summary>
/// <param name="Id">This change's id (also the webhook deliveries' event id).</param>
/// <param name="FactId">The fact.</param>
/// <param name="Before">The answer before the write.</param>
/// <param name="After">The answer after it.</param>
public sealed record FactAnswerChanged(Guid Id, string FactId, FactAnswer Before, FactAnswer After);
