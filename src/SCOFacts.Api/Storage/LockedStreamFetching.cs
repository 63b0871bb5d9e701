using System.Diagnostics.CodeAnalysis;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events;
using Marten.Events.Fetching;
using Marten.Internal.Sessions;
using Marten.Linq.QueryHandlers;
using Npgsql;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Storage;

/// <summary>
/// The state a write decides on, as Marten's <c>FetchForWriting</c> hands it to a Wolverine aggregate handler: read
/// under the stream's lock, with the version it is at and whether the request's idempotency key was already used on
/// the stream (ADR 008, ADR 009).
/// </summary>
public interface ILockedWriteModel
{
    /// <summary>The stream's version the state reflects; 0 for a stream with no events.</summary>
    long Version { get; }

    /// <summary>True when an event of the stream already carries the request's idempotency key.</summary>
    bool KeyUsed { get; }
}

/// <summary>Reads a write model once its stream's lock is held, on the connection whose transaction holds it.</summary>
public delegate Task<TModel> LockedModelLoader<TModel>(NpgsqlConnection connection, string streamId, string? idempotencyKey,
    CancellationToken cancellationToken);

/// <summary>
/// A Marten fetch planner for the product's write models: <c>FetchForWriting</c> of one of them begins the session's
/// transaction, takes the stream's advisory lock (ADR 008), reads the model with the loader registered for it, and
/// enlists the rest of the append (the idempotency key's row, the inline views and the answer-change outbox) as a
/// participant of the session's commit. Wolverine's aggregate handler workflow then decides on that model and appends
/// through the session, so events, views and outbox commit in one transaction.
/// </summary>
/// <remarks>
/// Marten's own plans would replay a fact's whole stream, or keep a snapshot document, for every write; this one reads
/// what the facts projection already stores. The plans answer writes only: reads go through the read models.
/// </remarks>
public sealed class LockedStreamFetchPlanner(Func<ScoFactsEvents> events) : IFetchPlanner
{
    private readonly Dictionary<Type, object> _loaders = [];

    /// <summary>Registers how <typeparamref name="TModel"/> is read under its stream's lock.</summary>
    public LockedStreamFetchPlanner Add<TModel>(LockedModelLoader<TModel> loader) where TModel : class, ILockedWriteModel
    {
        ArgumentNullException.ThrowIfNull(loader);
        _loaders[typeof(TModel)] = loader;
        return this;
    }

    /// <inheritdoc/>
    public bool TryMatch<TDoc, TId>(IEventIdentityStrategy<TId> identity, StoreOptions options,
        [NotNullWhen(true)] out IAggregateFetchPlan<TDoc, TId>? plan) where TDoc : class where TId : notnull
    {
        plan = null;
        if (typeof(TId) != typeof(string) || !_loaders.TryGetValue(typeof(TDoc), out var loader)) return false;
        plan = (IAggregateFetchPlan<TDoc, TId>)(object)new LockedStreamFetchPlan<TDoc>(
            (IEventIdentityStrategy<string>)identity, (LockedModelLoader<TDoc>)loader, events);
        return true;
    }
}

/// <summary>The plan <see cref="LockedStreamFetchPlanner"/> gives one write model type.</summary>
internal sealed class LockedStreamFetchPlan<TDoc>(IEventIdentityStrategy<string> identity, LockedModelLoader<TDoc> loader,
    Func<ScoFactsEvents> events) : IAggregateFetchPlan<TDoc, string> where TDoc : class
{
    private const string ReadsElsewhere = "A write model is read only to write: reads go through the read models.";

    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Live;

    public Task<IEventStream<TDoc>> FetchForWriting(DocumentSessionBase session, string id, bool forUpdate, CancellationToken cancellation = default) =>
        FetchAsync(session, id, null, cancellation);

    public Task<IEventStream<TDoc>> FetchForWriting(DocumentSessionBase session, string id, long expectedStartingVersion,
        CancellationToken cancellation = default) =>
        FetchAsync(session, id, expectedStartingVersion, cancellation);

    // The lock, then the model (with whether the key was used), then the pin: a retried request gets its original
    // answer even when the stream moved on since, and a stale If-Match is refused before anything is decided.
    private async Task<IEventStream<TDoc>> FetchAsync(DocumentSessionBase session, string streamId, long? pinned, CancellationToken cancellation)
    {
        await session.BeginTransactionAsync(cancellation);
        var connection = session.Connection ?? throw new InvalidOperationException("The session has no connection after beginning its transaction.");
        await ScoFactsEvents.LockStreamAsync(connection, streamId, cancellation);
        var key = session.GetHeader(ScoFactsMarten.IdempotencyKeyHeader) as string;
        var model = await loader(connection, streamId, key, cancellation);
        var written = (ILockedWriteModel)model;
        if (!written.KeyUsed && pinned is { } expected && expected != written.Version)
            throw new ConcurrencyException(streamId, ExpectedVersion.Exact(expected), written.Version);

        var stream = written.Version == 0
            ? identity.StartStream(model, session, streamId, cancellation)
            : identity.AppendToStream(model, session, streamId, written.Version, cancellation);
        session.AddTransactionParticipant(new AppendCompletion(events(), streamId, () => stream.Events.Count, key));
        return stream;
    }

    public ValueTask<TDoc?> FetchForReading(DocumentSessionBase session, string id, CancellationToken cancellation) =>
        throw new NotSupportedException(ReadsElsewhere);

    public ValueTask<TDoc?> ProjectLatest(DocumentSessionBase session, string id, CancellationToken cancellation) =>
        throw new NotSupportedException(ReadsElsewhere);

    public Task<bool> StreamForReading(DocumentSessionBase session, string id, Stream destination, CancellationToken cancellation) =>
        throw new NotSupportedException(ReadsElsewhere);

    // Batched fetches would read the model before the lock is taken; a write fetches one stream, alone.
    public IQueryHandler<IEventStream<TDoc>> BuildQueryHandler(QuerySession session, string id, long expectedStartingVersion) =>
        throw new NotSupportedException("A write model is fetched on its own, under its stream's lock, never in a batch.");

    public IQueryHandler<IEventStream<TDoc>> BuildQueryHandler(QuerySession session, string id, bool forUpdate) =>
        throw new NotSupportedException("A write model is fetched on its own, under its stream's lock, never in a batch.");

    public IQueryHandler<TDoc?> BuildQueryHandler(QuerySession session, string id) => throw new NotSupportedException(ReadsElsewhere);
}

/// <summary>
/// The rest of an append, inside Marten's commit once its events are inserted: the idempotency key's row, the inline
/// views and the answer-change outbox (<see cref="ScoFactsEvents.CompleteAppendAsync"/>). A failure here rolls the
/// whole write back; it is wrapped in <see cref="AppendNotCompletedException"/> so that Marten does not take it for a
/// failure of its own batch and replay that batch on the failed transaction.
/// </summary>
internal sealed class AppendCompletion(ScoFactsEvents events, string streamId, Func<int> appended, string? idempotencyKey) : ITransactionParticipant
{
    public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
    {
        var count = appended();
        if (count == 0) return;
        try
        {
            await events.CompleteAppendAsync(transaction, streamId, count, idempotencyKey, token);
        }
        catch (Exception e) when (e is NpgsqlException or Application.IdempotencyKeyTakenException)
        {
            throw new AppendNotCompletedException(streamId, e);
        }
    }
}

/// <summary>The views, key or outbox of an append could not be written: nothing of the write was committed.</summary>
public sealed class AppendNotCompletedException(string streamId, Exception inner)
    : Exception($"The append to '{streamId}' could not complete its views; nothing was committed.", inner);
