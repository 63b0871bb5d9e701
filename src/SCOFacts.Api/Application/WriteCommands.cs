using Marten;
using Npgsql;
using SCOFacts.Api.ReadModels;
using SCOFacts.Api.Sources;
using SCOFacts.Api.Storage;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;
using SCOFacts.EventStore;
using Wolverine.ErrorHandling;
using Wolverine.Marten;
using Wolverine.Runtime.Handlers;

namespace SCOFacts.Api.Application;

/// <summary>A command on one fact, decided on whatever version the fact is at when its stream's lock is held.</summary>
public sealed record WriteFact(IFactCommand Command, EventMetadata Metadata)
{
    /// <summary>The fact's stream, which the aggregate handler workflow fetches for writing.</summary>
    [JasperFx.Identity] public string StreamId => Fact.StreamId(Command.FactId);
}

/// <summary>
/// A command on one fact that holds only at <paramref name="Version"/> (If-Match): any other version refuses it with
/// <see cref="ConcurrencyException"/> and nothing written. The version is not nullable on purpose: a pinned write
/// always says what it is pinned to.
/// </summary>
public sealed record WriteFactAt(IFactCommand Command, EventMetadata Metadata, long Version)
{
    /// <summary>The fact's stream, which the aggregate handler workflow fetches for writing at <see cref="Version"/>.</summary>
    [JasperFx.Identity] public string StreamId => Fact.StreamId(Command.FactId);
}

/// <summary>A command on one source, decided on whatever version the source is at when its stream's lock is held.</summary>
public sealed record WriteSource(ISourceCommand Command, EventMetadata Metadata)
{
    /// <summary>The source's stream, which the aggregate handler workflow fetches for writing.</summary>
    [JasperFx.Identity] public string StreamId => Source.StreamId(Command.SourceId);
}

/// <summary>A command on one source that holds only at <paramref name="Version"/> (If-Match).</summary>
public sealed record WriteSourceAt(ISourceCommand Command, EventMetadata Metadata, long Version)
{
    /// <summary>The source's stream, which the aggregate handler workflow fetches for writing at <see cref="Version"/>.</summary>
    [JasperFx.Identity] public string StreamId => Source.StreamId(Command.SourceId);
}

/// <summary>
/// Raised when a request with the same idempotency key committed between this attempt's check and its append: the
/// attempt is rolled back and the next one returns that request's result.
/// </summary>
public sealed class IdempotencyKeyTakenException(string streamId)
    : Exception($"A request with the same idempotency key committed to '{streamId}' first.");

/// <summary>
/// What a write may retry, and how often: the database rolling the whole transaction back (a deadlock or
/// serialisation victim), a key taken by a twin request, and, for writes that pinned no version, a race lost to a
/// writer that does not take the stream's lock. Each pause is random so writers that collided once do not collide
/// again in step; when every attempt failed, the write is refused as <c>write-contention</c> (ADR 008, ADR 009).
/// </summary>
public static class WriteRetries
{
    /// <summary>How many times a write is tried in all before its failure is reported.</summary>
    public const int MaxAttempts = 6;

    private const string Deadlock = "40P01";
    private const string Serialization = "40001";

    // Base pauses before attempts 2..6; full jitter makes each one random in [d, 2d].
    private static readonly TimeSpan[] Cooldowns = [.. new[] { 5, 10, 20, 40, 80 }.Select(ms => TimeSpan.FromMilliseconds(ms))];

    /// <summary>
    /// What a write failed with, under the wrappers it may reach the caller in: the bus's, Marten's for a failed batch,
    /// and <see cref="AppendNotCompletedException"/> for the views, key and outbox written inside Marten's commit.
    /// </summary>
    public static Exception Cause(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var e = exception;
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException or AppendNotCompletedException
               or Marten.Exceptions.MartenCommandException && e.InnerException is { } inner)
            e = inner;
        return e;
    }

    /// <summary>True for a failure that rolled the whole transaction back and may go away on another attempt.</summary>
    public static bool IsTransient(Exception exception) => Cause(exception) is PostgresException { SqlState: Deadlock or Serialization };

    /// <summary>True when a twin request with the same idempotency key committed first.</summary>
    public static bool IsKeyTaken(Exception exception) => Cause(exception) is IdempotencyKeyTakenException;

    /// <summary>
    /// True when the stream was not where the write expected it: a writer that does not take the stream's lock appended
    /// first (Marten refuses the append), or the If-Match version is stale.
    /// </summary>
    public static bool IsLostRace(Exception exception) => Cause(exception) is var e && (e is ConcurrencyException || ScoFactsEvents.IsLostRace(e));

    /// <summary>Retries transient failures and twin keys; <paramref name="lostRaces"/> also retries lost races.</summary>
    public static void Apply(HandlerChain chain, bool lostRaces)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.OnException(e => IsTransient(e) || IsKeyTaken(e)).RetryWithCooldown(Cooldowns).WithFullJitter();
        if (lostRaces)
            chain.OnException(IsLostRace).RetryWithCooldown(Cooldowns).WithFullJitter();
    }
}

/// <summary>
/// The steps every write handler runs before Marten fetches its stream for writing, in this order: the documents a quote
/// is checked against (read before the stream's lock is taken, so the lock is held no longer than the write needs), then
/// the request's metadata stamped on the session (the fetch reads the idempotency key from it). Wolverine would place a
/// handler's conventional <c>Load</c> and <c>Before</c> methods after the fetch, so the chain gets them first instead.
/// </summary>
public static class WriteSteps
{
    /// <summary>Puts <paramref name="handlerType"/>'s read and stamp steps first, and its retry policies on the chain.</summary>
    public static void Apply(HandlerChain chain, Type handlerType, bool lostRaces)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(handlerType);
        WriteRetries.Apply(chain, lostRaces);
        var steps = new[] { nameof(WriteFactHandler.ReadSourcesAsync), nameof(WriteFactHandler.Stamp) }
            .Where(name => handlerType.GetMethod(name) is not null)
            .Select(name => new JasperFx.CodeGeneration.Frames.MethodCall(handlerType, name))
            .ToArray();
        for (var i = steps.Length - 1; i >= 0; i--) chain.Middleware.Insert(0, steps[i]);
    }
}

/// <summary>
/// A fact as a write decides on it (ADR 008, ADR 009): its stored state (kept by the facts projection in each append's
/// transaction), or its stream folded when it has none yet, read under the stream's lock by
/// <see cref="LockedStreamFetchPlanner"/>, so a write costs the same on a fact with thousands of claims as on a new one.
/// </summary>
public sealed record FactForWrite(FactState State, long Version, bool KeyUsed) : ILockedWriteModel
{
    /// <summary>Reads the fact on the connection whose transaction holds its stream's lock.</summary>
    public static async Task<FactForWrite> LoadAsync(NpgsqlConnection connection, string streamId, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        var (stored, keyUsed) = await StoredAnswers.LoadForWriteAsync(connection, FactIdOf(streamId), idempotencyKey, cancellationToken);
        if (stored is not null) return new(stored.State, stored.Version, keyUsed);
        var (state, version, used) = await StreamFold.FoldAsync(connection, streamId, Fact.Initial, Fact.Evolve, idempotencyKey, cancellationToken);
        return new(state, version, used);
    }

    private static string FactIdOf(string streamId) =>
        streamId.StartsWith(Fact.StreamId(""), StringComparison.Ordinal) ? streamId[Fact.StreamId("").Length..]
            : throw new ArgumentException($"'{streamId}' is not a fact's stream.", nameof(streamId));
}

/// <summary>A source as a write decides on it: its stream folded under the stream's lock.</summary>
public sealed record SourceForWrite(SourceState State, long Version, bool KeyUsed) : ILockedWriteModel
{
    /// <summary>Reads the source on the connection whose transaction holds its stream's lock.</summary>
    public static async Task<SourceForWrite> LoadAsync(NpgsqlConnection connection, string streamId, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        var (state, version, used) = await StreamFold.FoldAsync(connection, streamId, Source.Initial, Source.Evolve, idempotencyKey, cancellationToken);
        return new(state, version, used);
    }
}

/// <summary>What the registered sources and their documents say, read before a fact command takes its stream's lock.</summary>
public sealed record QuotedSources(KnownSources Context, IReadOnlyDictionary<string, SourceDocument> Documents)
{
    /// <summary>The sources <paramref name="command"/> names, with their documents.</summary>
    public static async Task<QuotedSources> ReadAsync(IFactCommand command, SourceDocuments documents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(documents);
        var (registered, texts) = await documents.ForSourcesAsync(SourcesNamedBy(command), cancellationToken);
        return new(new KnownSources(registered), texts);
    }

    private static IEnumerable<string> SourcesNamedBy(IFactCommand command) => command switch
    {
        RecordClaim c => [c.SourceId],
        DisputeClaim { CounterEvidence: { } evidence } => [evidence.SourceId],
        _ => [],
    };
}

/// <summary>
/// Whether a new claim's id is already another fact's. Claim ids are unique across facts, but each fact's decision sees
/// only its own stream: the id's own lock (taken after the fact's, in the same transaction, and held to its end) makes
/// two facts given the same new id at once meet here, one after the other, rather than at the claim index's key.
/// </summary>
public sealed record ClaimIdCheck(Rejection? Refusal)
{
    /// <summary>The first half of the two-key advisory lock on a claim id ("5C0FAC" for SCOFacts, slot 11).</summary>
    public const int ClaimLockClass = 0x5C0FAC11;

    private static readonly ClaimIdCheck Free = new((Rejection?)null);

    /// <summary>Runs once the fact's stream lock is held, on the session's transaction.</summary>
    public static async Task<ClaimIdCheck> RunAsync(IFactCommand command, IDocumentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (command is not RecordClaim record) return Free;
        var connection = session.Connection ?? throw new InvalidOperationException("The session has no connection after fetching for writing.");
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                {
                    Parameters = { new() { Value = ClaimLockClass }, new() { Value = record.ClaimId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } },
                },
                new NpgsqlBatchCommand("SELECT fact_id FROM claim_index WHERE claim_id = $1 AND fact_id <> $2")
                {
                    Parameters = { new() { Value = record.ClaimId }, new() { Value = record.FactId } },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new(Rejection.Conflict("claim-exists", $"Claim id '{record.ClaimId}' is already used in another fact."))
            : Free;
    }
}

/// <summary>
/// The decisions of the write handlers, pure: a request whose idempotency key the stream already took gets the state as
/// it is, marked a duplicate; otherwise the domain's decide function answers, and the events it returns are what the
/// aggregate handler workflow appends, at the version the state was read at.
/// </summary>
public static class WriteDecisions
{
    /// <summary>Decides a fact command on the fact as read under its lock.</summary>
    public static (DeskResult<FactState> Result, Events Events) Decide(IFactCommand command, FactForWrite fact, QuotedSources sources, ClaimIdCheck claimId)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(fact);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(claimId);
        if (fact.KeyUsed) return (new(fact.State, fact.Version, null, Duplicate: true), []);
        if (claimId.Refusal is { } taken) return (new(fact.State, fact.Version, taken, false), []);
        var decision = QuoteEvidence.Apply(Fact.Decide(command, fact.State, sources.Context), id => sources.Documents.GetValueOrDefault(id));
        return Outcome(decision, fact.State, fact.Version, Fact.Evolve);
    }

    /// <summary>Decides a source command on the source as read under its lock.</summary>
    public static (DeskResult<SourceState> Result, Events Events) Decide(ISourceCommand command, SourceForWrite source)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(source);
        if (source.KeyUsed) return (new(source.State, source.Version, null, Duplicate: true), []);
        return Outcome(Source.Decide(command, source.State), source.State, source.Version, Source.Evolve);
    }

    private static (DeskResult<TState>, Events) Outcome<TState>(Decision decision, TState state, long version, Func<TState, object, TState> evolve)
    {
        if (decision.Rejection is { } rejection) return (new(state, version, rejection, false), []);
        var after = state;
        foreach (var e in decision.Events) after = evolve(after, e);
        return (new(after, version + decision.Events.Count, null, false), [.. decision.Events]);
    }
}

/// <summary>
/// Runs fact commands with Wolverine's aggregate handler workflow: the documents a quote is checked against are read
/// first, the session is stamped with the request's metadata, Marten fetches the fact for writing under its stream's
/// lock (<see cref="LockedStreamFetchPlanner"/>), the pure decision runs, and the events it returns are appended at the
/// version read and committed with their views and outbox.
/// </summary>
public static class WriteFactHandler
{
    /// <summary>Wolverine calls this when it builds the chain: unpinned writes retry lost races too.</summary>
    public static void Configure(HandlerChain chain) => WriteSteps.Apply(chain, typeof(WriteFactHandler), lostRaces: true);

    /// <summary>The sources the command names, read before the stream's lock is taken.</summary>
    public static Task<QuotedSources> ReadSourcesAsync(WriteFact command, SourceDocuments documents, CancellationToken cancellationToken) =>
        QuotedSources.ReadAsync(command.Command, documents, cancellationToken);

    /// <summary>Who asked, why, and under which idempotency key: stamped on the session before the fact is fetched.</summary>
    public static void Stamp(WriteFact command, IDocumentSession session) => ScoFactsMarten.Stamp(session, command.Metadata);

    /// <summary>A new claim's id, checked against other facts once the fact's lock is held (Wolverine runs it after the fetch).</summary>
    public static Task<ClaimIdCheck> LoadAsync(WriteFact command, IDocumentSession session, CancellationToken cancellationToken) =>
        ClaimIdCheck.RunAsync(command.Command, session, cancellationToken);

    /// <summary>The decision, on the fact as read under its lock.</summary>
    [AggregateHandler]
    public static (DeskResult<FactState>, Events) Handle(WriteFact command, FactForWrite fact, QuotedSources sources, ClaimIdCheck claimId) =>
        WriteDecisions.Decide(command.Command, fact, sources, claimId);
}

/// <summary>Runs If-Match fact commands: the fetch refuses a stale version (412), which is never retried.</summary>
public static class WriteFactAtHandler
{
    /// <summary>Wolverine calls this when it builds the chain: a lost race is the caller's to hear about.</summary>
    public static void Configure(HandlerChain chain) => WriteSteps.Apply(chain, typeof(WriteFactAtHandler), lostRaces: false);

    /// <summary>The sources the command names, read before the stream's lock is taken.</summary>
    public static Task<QuotedSources> ReadSourcesAsync(WriteFactAt command, SourceDocuments documents, CancellationToken cancellationToken) =>
        QuotedSources.ReadAsync(command.Command, documents, cancellationToken);

    /// <summary>Who asked, why, and under which idempotency key: stamped on the session before the fact is fetched.</summary>
    public static void Stamp(WriteFactAt command, IDocumentSession session) => ScoFactsMarten.Stamp(session, command.Metadata);

    /// <summary>A new claim's id, checked against other facts once the fact's lock is held (Wolverine runs it after the fetch).</summary>
    public static Task<ClaimIdCheck> LoadAsync(WriteFactAt command, IDocumentSession session, CancellationToken cancellationToken) =>
        ClaimIdCheck.RunAsync(command.Command, session, cancellationToken);

    /// <summary>The decision, on the fact as read under its lock at the pinned version.</summary>
    [AggregateHandler]
    public static (DeskResult<FactState>, Events) Handle(WriteFactAt command, FactForWrite fact, QuotedSources sources, ClaimIdCheck claimId) =>
        WriteDecisions.Decide(command.Command, fact, sources, claimId);
}

/// <summary>Runs source commands with Wolverine's aggregate handler workflow.</summary>
public static class WriteSourceHandler
{
    /// <summary>Wolverine calls this when it builds the chain: unpinned writes retry lost races too.</summary>
    public static void Configure(HandlerChain chain) => WriteSteps.Apply(chain, typeof(WriteSourceHandler), lostRaces: true);

    /// <summary>Who asked, why, and under which idempotency key: stamped on the session before the source is fetched.</summary>
    public static void Stamp(WriteSource command, IDocumentSession session) => ScoFactsMarten.Stamp(session, command.Metadata);

    /// <summary>The decision, on the source as read under its lock.</summary>
    [AggregateHandler]
    public static (DeskResult<SourceState>, Events) Handle(WriteSource command, SourceForWrite source) => WriteDecisions.Decide(command.Command, source);
}

/// <summary>Runs If-Match source commands: the fetch refuses a stale version (412), which is never retried.</summary>
public static class WriteSourceAtHandler
{
    /// <summary>Wolverine calls this when it builds the chain: a lost race is the caller's to hear about.</summary>
    public static void Configure(HandlerChain chain) => WriteSteps.Apply(chain, typeof(WriteSourceAtHandler), lostRaces: false);

    /// <summary>Who asked, why, and under which idempotency key: stamped on the session before the source is fetched.</summary>
    public static void Stamp(WriteSourceAt command, IDocumentSession session) => ScoFactsMarten.Stamp(session, command.Metadata);

    /// <summary>The decision, on the source as read under its lock at the pinned version.</summary>
    [AggregateHandler]
    public static (DeskResult<SourceState>, Events) Handle(WriteSourceAt command, SourceForWrite source) => WriteDecisions.Decide(command.Command, source);
}

/// <summary>A stream folded on the connection whose transaction holds its lock.</summary>
internal static class StreamFold
{
    /// <summary>The stream's state and version, and whether an event of it already carries <paramref name="idempotencyKey"/>.</summary>
    public static async Task<(TState State, long Version, bool KeyUsed)> FoldAsync<TState>(NpgsqlConnection connection, string streamId,
        TState initial, Func<TState, object, TState> evolve, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var events = await ScoFactsEvents.ReadStreamAsync(connection, null, streamId, StreamReadOptions.All, cancellationToken);
        var state = initial;
        foreach (var e in events) state = evolve(state, e.Data);
        var keyUsed = idempotencyKey is { } key && events.Any(e => e.Metadata.IdempotencyKey == key);
        return (state, events.Count == 0 ? 0 : events[^1].StreamVersion, keyUsed);
    }
}
