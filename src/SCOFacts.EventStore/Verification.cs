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

/// <summary>The outcome of <see cref="EventStore.VerifyAsync(LogDigest?, CancellationToken)"/>.</summary>
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

/// <summary>One stored event with every byte its hash covers, for an auditor to recompute it.</summary>
/// <param name="GlobalPosition">Identity position.</param>
/// <param name="TransactionId">Writing transaction id.</param>
/// <param name="StreamVersion">Version in its stream.</param>
/// <param name="EventType">Stored type name.</param>
/// <param name="Data">The data exactly as PostgreSQL renders the stored jsonb.</param>
/// <param name="Metadata">The metadata exactly as PostgreSQL renders the stored jsonb.</param>
/// <param name="RecordedAtMicros">Recorded time, microseconds since the Unix epoch.</param>
/// <param name="PreviousHash">The hash of the stream's previous event (empty for the first), hex.</param>
/// <param name="Hash">This event's hash, hex.</param>
/// <param name="LogIndex">1-based index of this event in the digest's commit-order list; 0 when the digest does not cover it yet.</param>
public sealed record ProofEvent(long GlobalPosition, ulong TransactionId, long StreamVersion, string EventType, string Data, string Metadata,
    long RecordedAtMicros, string PreviousHash, string Hash, long LogIndex);

/// <summary>What an auditor needs to check one stream's events against a digest they hold.</summary>
/// <param name="StreamId">The stream.</param>
/// <param name="Events">The stream's events with their hashed bytes.</param>
/// <param name="Digest">The digest the proof is against.</param>
/// <param name="LogHashes">Every event hash in commit order up to the digest, hex: folding them reproduces the digest.</param>
public sealed record StreamProof(string StreamId, IReadOnlyList<ProofEvent> Events, LogDigest Digest, IReadOnlyList<string> LogHashes);
