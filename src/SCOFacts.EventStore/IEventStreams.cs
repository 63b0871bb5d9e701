namespace SCOFacts.EventStore;

/// <summary>Event streams read and appended with an expected version: what <see cref="CommandRunner"/> needs of a store.</summary>
public interface IEventStreams
{
    /// <summary>Reads a stream forward, within the bounds given.</summary>
    Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, StreamReadOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends events to a stream in one transaction of its own, running the inline projections in it. Throws
    /// <see cref="ConcurrencyException"/> when the stream is not at <paramref name="expected"/>. A repeated idempotency
    /// key (in the metadata) stores nothing and returns the original events.
    /// </summary>
    Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<object> events, EventMetadata metadata,
        CancellationToken cancellationToken = default);
}
