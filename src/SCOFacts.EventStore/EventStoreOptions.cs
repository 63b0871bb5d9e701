namespace SCOFacts.EventStore;

/// <summary>Settings of an <see cref="EventStore"/>.</summary>
public sealed class EventStoreOptions
{
    /// <summary>Event type names and JSON options.</summary>
    public EventTypeRegistry Types { get; init; } = new();

    /// <summary>
    /// True for a log that takes no more appends (the one kept before Marten): the feed and verification read every
    /// row, without holding back for transactions that may still be running. Its transaction ids may come from
    /// another cluster (a restored dump), where comparing them with this cluster's snapshot means nothing.
    /// </summary>
    public bool Frozen { get; init; }
}
