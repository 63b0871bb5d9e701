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
/// Runs commands the event-sourced way: load the stream, fold it into state, decide,
/// append with the version the decision was made on. A lost race is retried on fresh
/// state a bounded number of times, unless the caller pinned the version (If-Match),
/// in which case it is the caller's conflict to report.
/// </summary>
public sealed class CommandRunner(IEventStreams store, int maxAttempts = 5)
{
    private const string TransientDeadlock = "40P01";
    private const string TransientSerialization = "40001";

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
            var events = await store.ReadStreamAsync(streamId, cancellationToken: cancellationToken);
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

            try
            {
                var appended = await store.AppendAsync(streamId,
                    events.Count == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exact(version),
                    decision.Events, metadata, cancellationToken);
                // A concurrent request with the same key won: the next pass returns its result.
                if (appended.Duplicate) continue;
                foreach (var e in appended.Events) state = evolve(state, e.Data);
                return new(state, appended.Version, appended, null);
            }
            catch (ConcurrencyException) when (expected is null && attempt < maxAttempts)
            {
                // Someone else appended between our read and our write: decide again on their result.
            }
            catch (Npgsql.PostgresException e) when (e.SqlState is TransientDeadlock or TransientSerialization && attempt < maxAttempts)
            {
                // The database chose this transaction as a deadlock or serialisation victim and rolled it
                // back whole: nothing was stored, so running the command again is safe.
            }
        }
    }
}
