namespace SCOFacts.EventStore;

/// <summary>What an append stored (or, for a repeated idempotency key, had stored before).</summary>
/// <param name="StreamId">The stream appended to.</param>
/// <param name="Events">The stored events, in stream order.</param>
/// <param name="Duplicate">True when the idempotency key had been used: nothing new was stored.</param>
public sealed record AppendResult(string StreamId, IReadOnlyList<StoredEvent> Events, bool Duplicate)
{
    /// <summary>The stream's version after the append (its ETag).</summary>
    public long Version => Events[^1].StreamVersion;

    /// <summary>The first stored event's global position.</summary>
    public long FirstPosition => Events[0].GlobalPosition;
}
