namespace SCOFacts.EventStore;

/// <summary>One event as the log holds it.</summary>
/// <param name="GlobalPosition">Identity position in the log; unique, but not commit order.</param>
/// <param name="TransactionId">The writing transaction's id: with the position, the commit-order key.</param>
/// <param name="StreamId">The stream the event belongs to.</param>
/// <param name="StreamVersion">1 for a stream's first event, contiguous after that.</param>
/// <param name="EventType">The registered name of the event's type.</param>
/// <param name="Data">The event, deserialised to its registered type (a JsonElement when the type is unknown).</param>
/// <param name="DataJson">The stored JSON text of the event.</param>
/// <param name="Metadata">Who, correlation, causation, idempotency key.</param>
/// <param name="RecordedAt">When the event was appended (UTC).</param>
/// <param name="Hash">SHA-256 chained over the previous event of the stream and this row.</param>
public sealed record StoredEvent(
    long GlobalPosition,
    ulong TransactionId,
    string StreamId,
    long StreamVersion,
    string EventType,
    object Data,
    string DataJson,
    EventMetadata Metadata,
    DateTimeOffset RecordedAt,
    byte[] Hash)
{
    /// <summary>The position of this event in the commit-order feed.</summary>
    public FeedPosition FeedPosition => new(TransactionId, GlobalPosition);
}
