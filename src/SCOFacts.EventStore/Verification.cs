namespace SCOFacts.EventStore;

/// <summary>A running digest over the whole log in commit order, kept so an auditor can
/// later check that history was only appended to since.</summary>
/// <param name="Position">The last event the digest covers.</param>
/// <param name="EventCount">How many events it covers.</param>
/// <param name="Hash">SHA-256 chained over every event hash up to <paramref name="Position"/>, lower-case hex.</param>
/// <param name="ComputedAt">When it was computed.</param>
public sealed record LogDigest(FeedPosition Position, long EventCount, string Hash, DateTimeOffset ComputedAt);

/// <summary>Where a hash chain, or the log's agreement with a digest, breaks.</summary>
/// <param name="StreamId">The stream whose chain breaks (null for a digest mismatch).</param>
/// <param name="StreamVersion">The version that fails to verify (or is missing).</param>
/// <param name="GlobalPosition">The stored row found there, if any.</param>
/// <param name="Reason">What is wrong, in words.</param>
public sealed record ChainBreak(string? StreamId, long? StreamVersion, long? GlobalPosition, string Reason);

/// <summary>The outcome of <see cref="EventStore.VerifyAsync"/>.</summary>
/// <param name="EventsChecked">Events whose hashes were recomputed.</param>
/// <param name="StreamsChecked">Streams whose chains were walked.</param>
/// <param name="Breaks">Every break found, first in log order first.</param>
/// <param name="ExtendsDigest">When a digest was given: whether the log still extends it.</param>
/// <param name="Current">The digest of the log as verified now.</param>
public sealed record VerificationResult(long EventsChecked, long StreamsChecked, IReadOnlyList<ChainBreak> Breaks, bool? ExtendsDigest, LogDigest Current)
{
    /// <summary>True when every chain holds and the log extends the given digest (if any).</summary>
    public bool IsValid => Breaks.Count == 0 && ExtendsDigest != false;

    /// <summary>The first break, if any.</summary>
    public ChainBreak? FirstBreak => Breaks.Count == 0 ? null : Breaks[0];
}
