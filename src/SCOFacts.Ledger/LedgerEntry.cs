namespace SCOFacts.Ledger;

/// <summary>
/// One event as the ledger seals it: its position and identity in the store and everything stored about it.
/// <see cref="LeafEncoding"/> turns it into the leaf's bytes (docs/ledger.md, "Leaf bytes").
/// </summary>
/// <param name="Position">The event's position in the store (its sequence number), at least 1.</param>
/// <param name="EventId">The event's identity.</param>
/// <param name="StreamId">The stream the event belongs to.</param>
/// <param name="StreamVersion">The event's version within its stream.</param>
/// <param name="EventType">The event's stored type name.</param>
/// <param name="Timestamp">When the store recorded it, to the microsecond.</param>
/// <param name="Data">The event's JSON as PostgreSQL renders the stored <c>jsonb</c> as text.</param>
/// <param name="Metadata">The event's metadata as a JSON object, rendered the same way.</param>
public sealed record LedgerEntry(
    long Position,
    Guid EventId,
    string StreamId,
    long StreamVersion,
    string EventType,
    DateTimeOffset Timestamp,
    string Data,
    string Metadata);
