namespace SCOFacts.EventStore;

/// <summary>What a decision function concluded: events to append, or a reason to refuse.</summary>
/// <typeparam name="TRejection">The domain's rejection type.</typeparam>
public readonly record struct Decision<TRejection>(IReadOnlyList<object> Events, TRejection? Rejection)
    where TRejection : class
{
    /// <summary>Accept the command with these events.</summary>
    public static Decision<TRejection> Accept(IReadOnlyList<object> events) => new(events, null);

    /// <summary>Refuse the command.</summary>
    public static Decision<TRejection> Reject(TRejection rejection) => new([], rejection);
}

/// <summary>The outcome of running one command against one stream.</summary>
/// <param name="State">The stream's state after the command (unchanged when rejected).</param>
/// <param name="Version">The stream's version that state reflects.</param>
/// <param name="Appended">What was appended, or, for a repeated idempotency key, what had been.</param>
/// <param name="Rejection">Why the command was refused, if it was.</param>
/// <typeparam name="TState">The stream's state type.</typeparam>
/// <typeparam name="TRejection">The domain's rejection type.</typeparam>
public sealed record CommandOutcome<TState, TRejection>(TState State, long Version, AppendResult? Appended, TRejection? Rejection)
    where TRejection : class
{
    /// <summary>True when the command was accepted (now or by an earlier request with the same idempotency key).</summary>
    public bool Accepted => Rejection is null;

    /// <summary>True when nothing new was stored because the idempotency key had been used.</summary>
    public bool Duplicate => Appended?.Duplicate ?? false;
}

/// <summary>
/// A store that can serialise the writers of one stream: a write opened on a stream holds the stream's lock until it
/// commits or is disposed, and what it reads and appends share one transaction.
/// </summary>
public interface IStreamWriters
{
    /// <summary>Opens a transaction, waits for the stream's lock, and returns the write holding both.</summary>
    Task<IStreamWrite> BeginWriteAsync(string streamId, CancellationToken cancellationToken = default);
}

/// <summary>One stream's write under its lock; disposing it without <see cref="CommitAsync"/> stores nothing.</summary>
public interface IStreamWrite : IAsyncDisposable
{
    /// <summary>Reads the whole stream as this transaction sees it.</summary>
    Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(CancellationToken cancellationToken);

    /// <summary>Appends in this transaction; see <see cref="IEventStreams.AppendAsync"/> for the expected version and keys.</summary>
    Task<AppendResult> AppendAsync(ExpectedVersion expected, IReadOnlyList<object> events, EventMetadata metadata, CancellationToken cancellationToken);

    /// <summary>Commits the append and releases the stream's lock.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>
/// What a write may retry and how long it waits first: a lost race or a transaction the database rolled back as a
/// deadlock or serialisation victim, each after a random pause that grows with the attempt, so that writers which
/// collided once do not collide again in step.
/// </summary>
public static class WriteRetry
{
    /// <summary>How many times a write is tried before its race is reported as unresolved.</summary>
    public const int MaxAttempts = 6;

    private const string Deadlock = "40P01";
    private const string Serialization = "40001";

    /// <summary>True for a failure that rolled the whole transaction back and may go away on another attempt.</summary>
    public static bool IsTransient(Exception exception) =>
        exception is Npgsql.PostgresException { SqlState: Deadlock or Serialization };

    /// <summary>Waits a random 0 to 5·2^attempt ms (at most 160 ms) before attempt <paramref name="attempt"/> + 1.</summary>
    public static Task PauseAsync(int attempt, CancellationToken cancellationToken)
    {
        var ceiling = Math.Min(160, 5 << Math.Clamp(attempt, 0, 5));
        return Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling), cancellationToken);
    }
}

/// <summary>
/// Runs commands the event-sourced way: load the stream, fold it into state, decide, append with the version the
/// decision was made on. On a store that serialises writers (<see cref="IStreamWriters"/>) all of it happens under
/// the stream's lock in one transaction, so a decision is never made on stale state; elsewhere a lost race is retried
/// on fresh state. Either way a transient failure is retried a bounded number of times with a random pause, unless
/// the caller pinned the version (If-Match), in which case a stale version is the caller's conflict to report.
/// </summary>
public sealed class CommandRunner(IEventStreams store, int maxAttempts = WriteRetry.MaxAttempts)
{
    /// <summary>Loads, decides and appends; see the class remarks.</summary>
    /// <param name="streamId">The stream the command is about.</param>
    /// <param name="initial">The state of a stream with no events.</param>
    /// <param name="evolve">Applies one event to the state.</param>
    /// <param name="decide">Decides on the state and its version; must be pure.</param>
    /// <param name="metadata">Who, why, correlation, idempotency key.</param>
    /// <param name="expected">A version the caller requires (from If-Match); null to decide on whatever is current.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <exception cref="ConcurrencyException">The stream is not at <paramref name="expected"/>, or the race was lost on every attempt.</exception>
    public async Task<CommandOutcome<TState, TRejection>> RunAsync<TState, TRejection>(
        string streamId,
        TState initial,
        Func<TState, object, TState> evolve,
        Func<TState, long, Decision<TRejection>> decide,
        EventMetadata metadata,
        ExpectedVersion? expected = null,
        CancellationToken cancellationToken = default)
        where TRejection : class
    {
        ArgumentNullException.ThrowIfNull(evolve);
        ArgumentNullException.ThrowIfNull(decide);
        ArgumentNullException.ThrowIfNull(metadata);

        for (var attempt = 1; ; attempt++)
        {
            IStreamWrite? write = null;
            try
            {
                if (store is IStreamWriters writers) write = await writers.BeginWriteAsync(streamId, cancellationToken);
                var events = write is null
                    ? await store.ReadStreamAsync(streamId, cancellationToken: cancellationToken)
                    : await write.ReadStreamAsync(cancellationToken);
                var state = initial;
                foreach (var e in events) state = evolve(state, e.Data);
                var version = events.Count == 0 ? 0 : events[^1].StreamVersion;

                // A retried request must get its original answer, not a refusal of its own earlier effect.
                if (metadata.IdempotencyKey is { } key)
                {
                    var earlier = events.Where(e => e.Metadata.IdempotencyKey == key).ToList();
                    if (earlier.Count > 0)
                        return new(state, version, new AppendResult(streamId, earlier, Duplicate: true), null);
                }

                if (expected is { } pinned && pinned != ExpectedVersion.Any && pinned != ExpectedVersion.Exact(version)
                    && !(pinned == ExpectedVersion.NoStream && events.Count == 0))
                    throw new ConcurrencyException(streamId, pinned, version);

                var decision = decide(state, version);
                if (decision.Rejection is not null) return new(state, version, null, decision.Rejection);
                if (decision.Events.Count == 0) return new(state, version, null, null);

                var expectedNow = events.Count == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exact(version);
                var appended = write is null
                    ? await store.AppendAsync(streamId, expectedNow, decision.Events, metadata, cancellationToken)
                    : await write.AppendAsync(expectedNow, decision.Events, metadata, cancellationToken);
                // A concurrent request with the same key won: the next pass returns its result.
                if (appended.Duplicate) continue;
                if (write is not null) await write.CommitAsync(cancellationToken);
                foreach (var e in appended.Events) state = evolve(state, e.Data);
                return new(state, appended.Version, appended, null);
            }
            catch (ConcurrencyException) when (expected is null && attempt < maxAttempts)
            {
                // Someone else appended between our read and our write (a writer that does not take the lock, or a
                // stream created at the same moment): decide again on their result.
            }
            catch (Exception e) when (WriteRetry.IsTransient(e) && attempt < maxAttempts)
            {
                // The database rolled the whole transaction back: nothing was stored, so running the command again is safe.
            }
            finally
            {
                if (write is not null) await write.DisposeAsync();
            }
            await WriteRetry.PauseAsync(attempt, cancellationToken);
        }
    }
}
