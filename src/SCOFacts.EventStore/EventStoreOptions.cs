namespace SCOFacts.EventStore;

/// <summary>How an append tells feed readers in other processes that there is news.</summary>
public enum NotifyMode
{
    /// <summary>No NOTIFY: readers rely on polling (and in-process signals).</summary>
    None,

    /// <summary>
    /// A coalesced NOTIFY sent after the append commits, off the writer's transaction.
    /// The default: a NOTIFY inside the transaction takes a global lock at commit and
    /// serialises every committing writer (the append benchmark measures both).
    /// </summary>
    AfterCommit,

    /// <summary>NOTIFY inside the append's transaction: simplest, slowest under load.</summary>
    InTransaction,
}

/// <summary>Settings of an <see cref="EventStore"/>.</summary>
public sealed class EventStoreOptions
{
    /// <summary>The LISTEN/NOTIFY channel appends announce themselves on.</summary>
    public const string NotifyChannel = "scofacts_events";

    /// <summary>Event type names and JSON options.</summary>
    public EventTypeRegistry Types { get; init; } = new();

    /// <summary>
    /// True for a log that takes no more appends (the one kept before Marten): the feed and verification read every
    /// row, without holding back for transactions that may still be running. Its transaction ids may come from
    /// another cluster (a restored dump), where comparing them with this cluster's snapshot means nothing.
    /// </summary>
    public bool Frozen { get; init; }

    /// <summary>Projections run inside every append's transaction.</summary>
    public IList<Projections.IProjection> InlineProjections { get; } = [];

    /// <summary>How other processes learn of new events.</summary>
    public NotifyMode Notify { get; init; } = NotifyMode.AfterCommit;

    /// <summary>
    /// With <see cref="NotifyMode.AfterCommit"/>: how long after an append its NOTIFY waits for
    /// later appends to share it. Readers in other processes learn of events up to this much later;
    /// readers in this process are woken at once.
    /// </summary>
    public TimeSpan NotifyWindow { get; init; } = TimeSpan.FromMilliseconds(10);
}
