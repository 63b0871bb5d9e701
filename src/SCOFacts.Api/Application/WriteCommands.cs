using Npgsql;
using SCOFacts.Api.ReadModels;
using SCOFacts.Api.Sources;
using SCOFacts.Api.Storage;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;
using SCOFacts.EventStore;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace SCOFacts.Api.Application;

/// <summary>A command on one fact, decided on whatever version the fact is at when its stream's lock is held.</summary>
public sealed record WriteFact(IFactCommand Command, EventMetadata Metadata);

/// <summary>
/// A command on one fact that holds only at <paramref name="Version"/> (If-Match): any other version refuses it with
/// <see cref="ConcurrencyException"/> and nothing written. The version is not nullable on purpose: a pinned write
/// always says what it is pinned to.
/// </summary>
public sealed record WriteFactAt(IFactCommand Command, EventMetadata Metadata, long Version);

/// <summary>A command on one source, decided on whatever version the source is at when its stream's lock is held.</summary>
public sealed record WriteSource(ISourceCommand Command, EventMetadata Metadata);

/// <summary>A command on one source that holds only at <paramref name="Version"/> (If-Match).</summary>
public sealed record WriteSourceAt(ISourceCommand Command, EventMetadata Metadata, long Version);

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

    /// <summary>True for a failure that rolled the whole transaction back and may go away on another attempt.</summary>
    public static bool IsTransient(Exception exception) => exception is PostgresException { SqlState: Deadlock or Serialization };

    /// <summary>Retries transient failures and twin keys; <paramref name="lostRaces"/> also retries lost races.</summary>
    public static void Apply(HandlerChain chain, bool lostRaces)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.OnException<PostgresException>(IsTransient).Or<IdempotencyKeyTakenException>()
            .RetryWithCooldown(Cooldowns).WithFullJitter();
        if (lostRaces)
            chain.OnException<ConcurrencyException>().RetryWithCooldown(Cooldowns).WithFullJitter();
    }
}

/// <summary>Runs fact commands as Wolverine messages; the façade <see cref="FactsDesk"/> invokes them.</summary>
public static class WriteFactHandler
{
    /// <summary>Wolverine calls this when it builds the chain: unpinned writes retry lost races too.</summary>
    public static void Configure(HandlerChain chain) => WriteRetries.Apply(chain, lostRaces: true);

    /// <summary>One attempt under the fact's stream lock.</summary>
    public static Task<DeskResult<FactState>> Handle(WriteFact command, StreamWrites writes, CancellationToken cancellationToken) =>
        writes.WriteFactAsync(command.Command, command.Metadata, null, cancellationToken);
}

/// <summary>Runs If-Match fact commands: a stale version is the caller's 412, never retried.</summary>
public static class WriteFactAtHandler
{
    /// <summary>Wolverine calls this when it builds the chain: a lost race is the caller's to hear about.</summary>
    public static void Configure(HandlerChain chain) => WriteRetries.Apply(chain, lostRaces: false);

    /// <summary>One attempt under the fact's stream lock.</summary>
    public static Task<DeskResult<FactState>> Handle(WriteFactAt command, StreamWrites writes, CancellationToken cancellationToken) =>
        writes.WriteFactAsync(command.Command, command.Metadata, command.Version, cancellationToken);
}

/// <summary>Runs source commands as Wolverine messages.</summary>
public static class WriteSourceHandler
{
    /// <summary>Wolverine calls this when it builds the chain: unpinned writes retry lost races too.</summary>
    public static void Configure(HandlerChain chain) => WriteRetries.Apply(chain, lostRaces: true);

    /// <summary>One attempt under the source's stream lock.</summary>
    public static Task<DeskResult<SourceState>> Handle(WriteSource command, StreamWrites writes, CancellationToken cancellationToken) =>
        writes.WriteSourceAsync(command.Command, command.Metadata, null, cancellationToken);
}

/// <summary>Runs If-Match source commands: a stale version is the caller's 412, never retried.</summary>
public static class WriteSourceAtHandler
{
    /// <summary>Wolverine calls this when it builds the chain: a lost race is the caller's to hear about.</summary>
    public static void Configure(HandlerChain chain) => WriteRetries.Apply(chain, lostRaces: false);

    /// <summary>One attempt under the source's stream lock.</summary>
    public static Task<DeskResult<SourceState>> Handle(WriteSourceAt command, StreamWrites writes, CancellationToken cancellationToken) =>
        writes.WriteSourceAsync(command.Command, command.Metadata, command.Version, cancellationToken);
}

/// <summary>
/// One attempt of a write, in one transaction (ADR 008): the stream's lock is taken before its state is read, so the
/// decision is made on the state the events are appended to; a fact's state is its stored state (kept by the facts
/// projection in each append's transaction), so a write costs the same on a fact with thousands of claims as on a new
/// one, while a fact not yet defined and a source fold their streams. The domain's pure decide functions make the
/// decision; the events, their inline views and the answer-change outbox commit together. Failures leave nothing
/// written and are retried, or not, by the handler chains (<see cref="WriteRetries"/>).
/// </summary>
public sealed class StreamWrites(ScoFactsEvents store, SourceDocuments documents)
{
    /// <summary>Runs a fact command once; <paramref name="pinned"/> is the If-Match version, if any.</summary>
    /// <exception cref="ConcurrencyException">The fact is not at <paramref name="pinned"/>, or a writer without the lock won a race.</exception>
    public async Task<DeskResult<FactState>> WriteFactAsync(IFactCommand command, EventMetadata metadata, long? pinned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(metadata);
        var (registered, texts) = await documents.ForSourcesAsync(SourcesNamedBy(command), cancellationToken);
        var context = new KnownSources(registered);
        var streamId = Fact.StreamId(command.FactId);
        try
        {
            return await RunAsync(streamId, async (connection, transaction) =>
                {
                    var (stored, keyUsed) = await StoredAnswers.LoadForWriteAsync(transaction, command.FactId, metadata.IdempotencyKey, cancellationToken);
                    return stored is not null
                        ? (stored.State, stored.Version, keyUsed)
                        : await FoldAsync(connection, transaction, streamId, Fact.Initial, Fact.Evolve, metadata, cancellationToken);
                },
                state => QuoteEvidence.Apply(Fact.Decide(command, state, context), id => texts.GetValueOrDefault(id)),
                Fact.Evolve, metadata, pinned, cancellationToken);
        }
        catch (PostgresException e) when (command is RecordClaim record && e.SqlState == PostgresErrorCodes.UniqueViolation
            && e.ConstraintName == "claim_index_pkey")
        {
            // Claim ids are unique across facts, but each fact's decision sees only its own stream: two facts given
            // the same new id at the same moment meet only at the claim index, whose key refuses the second append.
            return new(Fact.Initial, 0, Rejection.Conflict("claim-exists", $"Claim id '{record.ClaimId}' is already used in another fact."), false);
        }
    }

    /// <summary>Runs a source command once; <paramref name="pinned"/> is the If-Match version, if any.</summary>
    /// <exception cref="ConcurrencyException">The source is not at <paramref name="pinned"/>, or a writer without the lock won a race.</exception>
    public async Task<DeskResult<SourceState>> WriteSourceAsync(ISourceCommand command, EventMetadata metadata, long? pinned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(metadata);
        var streamId = Source.StreamId(command.SourceId);
        return await RunAsync(streamId,
            (connection, transaction) => FoldAsync(connection, transaction, streamId, Source.Initial, Source.Evolve, metadata, cancellationToken),
            state => Source.Decide(command, state), Source.Evolve, metadata, pinned, cancellationToken);
    }

    // The attempt itself, the same for every stream: the lock, then the state (with whether the idempotency key was
    // used), the pin, the decision, and the append committed with the state it was decided on.
    private async Task<DeskResult<TState>> RunAsync<TState>(string streamId,
        Func<NpgsqlConnection, NpgsqlTransaction, Task<(TState State, long Version, bool KeyUsed)>> load,
        Func<TState, Decision> decide, Func<TState, object, TState> evolve, EventMetadata metadata, long? pinned, CancellationToken cancellationToken)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ScoFactsEvents.LockStreamAsync(transaction, streamId, cancellationToken);
        var (state, version, keyUsed) = await load(connection, transaction);

        // A retried request gets its original answer, not a refusal of its own earlier effect.
        if (keyUsed) return new(state, version, null, Duplicate: true);
        if (pinned is { } expected && expected != version)
            throw new ConcurrencyException(streamId, ExpectedVersion.Exact(expected), version);

        var decision = decide(state);
        if (decision.Rejection is { } rejection) return new(state, version, rejection, false);
        if (decision.Events.Count == 0) return new(state, version, null, false);

        var appended = await AppendAndCommitAsync(transaction, streamId, version, decision.Events, metadata);
        foreach (var e in appended.Events) state = evolve(state, e.Data);
        return new(state, appended.Version, null, false);
    }

    // The stream read in the locked transaction, folded, with whether an event of it already carries the key.
    private static async Task<(TState State, long Version, bool KeyUsed)> FoldAsync<TState>(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string streamId, TState initial, Func<TState, object, TState> evolve, EventMetadata metadata, CancellationToken cancellationToken)
    {
        var events = await ScoFactsEvents.ReadStreamAsync(connection, transaction, streamId, StreamReadOptions.All, cancellationToken);
        var state = initial;
        foreach (var e in events) state = evolve(state, e.Data);
        var keyUsed = metadata.IdempotencyKey is { } key && events.Any(e => e.Metadata.IdempotencyKey == key);
        return (state, events.Count == 0 ? 0 : events[^1].StreamVersion, keyUsed);
    }

    // Not cancellable: once the append has started, a client going away must not cut the commit in half (a commit
    // failing after Marten's insert leaves tombstone events behind). Everything before it waits only on the database.
    private async Task<AppendResult> AppendAndCommitAsync(NpgsqlTransaction transaction, string streamId, long version,
        IReadOnlyList<object> events, EventMetadata metadata)
    {
        var expected = version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exact(version);
        var appended = await store.AppendAsync(transaction, streamId, expected, events, metadata, CancellationToken.None);
        if (appended.Duplicate) throw new IdempotencyKeyTakenException(streamId);
        await transaction.CommitAsync(CancellationToken.None);
        return appended;
    }

    private static IEnumerable<string> SourcesNamedBy(IFactCommand command) => command switch
    {
        RecordClaim c => [c.SourceId],
        DisputeClaim { CounterEvidence: { } evidence } => [evidence.SourceId],
        _ => [],
    };
}
