namespace SCOFacts.EventStore;

/// <summary>One event as the log holds it.</summary>
/// <param name="GlobalPosition">The event's position in the log (Marten's sequence number; in the log kept before Marten, its identity position).</param>
/// <param name="StreamId">The stream the event belongs to.</param>
/// <param name="StreamVersion">1 for a stream's first event, contiguous after that.</param>
/// <param name="EventType">The registered name of the event's type.</param>
/// <param name="Data">The event, deserialised to its registered type (a JsonElement when the type is unknown).</param>
/// <param name="DataJson">The stored JSON text of the event.</param>
/// <param name="Metadata">Who, correlation, causation, idempotency key.</param>
/// <param name="RecordedAt">When the event was appended (UTC).</param>
public sealed record StoredEvent(
    long GlobalPosition,
    string StreamId,
    long StreamVersion,
    string EventType,
    object Data,
    string DataJson,
    EventMetadata Metadata,
    DateTimeOffset RecordedAt)
{
    /// <summary>In the log kept before Marten: the writing transaction's id, with the position its commit-order key.</summary>
    public ulong TransactionId { get; init; }

    /// <summary>In the log kept before Marten: SHA-256 chained over the previous event of the stream and this row.</summary>
    public byte[] Hash { get; init; } = [];

    /// <summary>In the log kept before Marten: the position of this event in its commit-order feed.</summary>
    public FeedPosition FeedPosition => new(TransactionId, GlobalPosition);
}
