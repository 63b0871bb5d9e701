using SCOFacts.Api.Storage;
using Npgsql;
using SCOFacts.Api.ReadModels;
using SCOFacts.Api.Sources;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Application;

/// <summary>The outcome of a command: the state after it, or why it was refused.</summary>
public sealed record DeskResult<TState>(TState State, long Version, Rejection? Rejection, bool Duplicate)
{
    public bool Accepted => Rejection is null;
}

/// <summary>
/// Where every write goes: HTTP endpoints, the seed loader and the importer all run
/// commands through here, so every change is an ordinary event with its metadata.
/// </summary>
/// <remarks>
/// A claim's quote (and a dispute's counter-evidence) is checked against its source's document here, on the one
/// path every writer takes: see <see cref="QuoteEvidence"/>.
/// </remarks>
/// <remarks>
/// Writers of one stream are serialised by the stream's lock, taken in the write's transaction before its state is
/// read (ADR 008): without If-Match a write never loses a race to another writer of the same fact, and with it a stale
/// version is refused before anything is written. What can still fail (a deadlock victim, a fact defined by two
/// requests at once) is retried with a random pause, and a race no attempt resolved is refused as a conflict.
/// </remarks>
public sealed class FactsDesk(ScoFactsEvents store, SourceDocuments documents)
{
    private readonly CommandRunner _runner = new(store);

    /// <summary>Runs a command on one fact's stream.</summary>
    /// <exception cref="ConcurrencyException">The fact is not at <paramref name="ifMatch"/>.</exception>
    public async Task<DeskResult<FactState>> RunAsync(IFactCommand command, EventMetadata metadata, ExpectedVersion? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var (registered, texts) = await documents.ForSourcesAsync(SourcesNamedBy(command), cancellationToken);
        var context = new KnownSources(registered);
        Decision Decide(FactState state) => QuoteEvidence.Apply(Fact.Decide(command, state, context), id => texts.GetValueOrDefault(id));
        try
        {
            if (await RunOnStoredStateAsync(command.FactId, Decide, metadata, ifMatch, cancellationToken) is { } stored) return stored;
            var outcome = await _runner.RunAsync<FactState, Rejection>(
                Fact.StreamId(command.FactId), Fact.Initial, Fact.Evolve, (state, _) => Adapt(Decide(state)),
                metadata, ifMatch, cancellationToken);
            return new(outcome.State, outcome.Version, outcome.Rejection, outcome.Duplicate);
        }
        catch (PostgresException e) when (command is RecordClaim record && e.SqlState == PostgresErrorCodes.UniqueViolation
            && e.ConstraintName == "claim_index_pkey")
        {
            // Claim ids are unique across facts, but each fact's decider sees only its own stream: two facts given
            // the same new id at the same moment meet only at the claim index, whose key refuses the second append.
            return new(Fact.Initial, 0, Rejection.Conflict("claim-exists", $"Claim id '{record.ClaimId}' is already used in another fact."), false);
        }
        catch (Exception e) when (Unresolved(e, ifMatch))
        {
            return new(Fact.Initial, 0, Contention(Fact.StreamId(command.FactId)), false);
        }
    }

    /// <summary>Runs a command on one source's stream.</summary>
    /// <exception cref="ConcurrencyException">The source is not at <paramref name="ifMatch"/>.</exception>
    public async Task<DeskResult<SourceState>> RunAsync(ISourceCommand command, EventMetadata metadata, ExpectedVersion? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        try
        {
            var outcome = await _runner.RunAsync<SourceState, Rejection>(
                Source.StreamId(command.SourceId), Source.Initial, Source.Evolve,
                (state, _) => Adapt(Source.Decide(command, state)),
                metadata, ifMatch, cancellationToken);
            return new(outcome.State, outcome.Version, outcome.Rejection, outcome.Duplicate);
        }
        catch (Exception e) when (Unresolved(e, ifMatch))
        {
            return new(Source.Initial, 0, Contention(Source.StreamId(command.SourceId)), false);
        }
    }

    // Every attempt lost: a race when the request pinned no version (with If-Match a lost race is the stale version the
    // caller hears about as 412), or the database choosing this write as its victim each time.
    private static bool Unresolved(Exception e, ExpectedVersion? ifMatch) =>
        (e is ConcurrencyException && ifMatch is null) || WriteRetry.IsTransient(e);

    private static Rejection Contention(string streamId) => Rejection.Conflict("write-contention",
        $"Other writes to '{streamId}' kept this one from completing after {WriteRetry.MaxAttempts} attempts; nothing was stored. Send it again.");

    /// <summary>
    /// Runs a fact command the way <see cref="CommandRunner"/> does, but from the fact's stored state (kept by the
    /// facts projection in each append's transaction) instead of its replayed stream, so a write costs the same on a
    /// fact with thousands of claims as on a new one. The stream's lock is taken first and the state read, decided on
    /// and appended to in that one transaction; nothing but the database is waited on while it is held. A repeated
    /// idempotency key is looked up in the stream's key index. Null when no state is stored (a fact not yet defined):
    /// the caller replays the stream instead.
    /// </summary>
    private async Task<DeskResult<FactState>?> RunOnStoredStateAsync(string factId, Func<FactState, Decision> decide, EventMetadata metadata,
        ExpectedVersion? expected, CancellationToken cancellationToken)
    {
        var streamId = Fact.StreamId(factId);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ScoFactsEvents.LockStreamAsync(transaction, streamId, cancellationToken);
                var (stored, keyUsed) = await StoredAnswers.LoadForWriteAsync(transaction, factId, metadata.IdempotencyKey, cancellationToken);
                if (stored is null) return null;
                var (state, version) = (stored.State, stored.Version);

                // A retried request gets its original answer, not a refusal of its own earlier effect.
                if (keyUsed) return new(state, version, null, Duplicate: true);
                if (expected is { } pinned && pinned != ExpectedVersion.Any && pinned != ExpectedVersion.Exact(version))
                    throw new ConcurrencyException(streamId, pinned, version);

                var decision = decide(state);
                if (decision.Rejection is { } rejection) return new(state, version, rejection, false);
                if (decision.Events.Count == 0) return new(state, version, null, false);

                var appended = await store.AppendAsync(transaction, streamId, ExpectedVersion.Exact(version), decision.Events, metadata, cancellationToken);
                // A request with the same key committed first: the next pass, rolled back from here, returns its result.
                if (appended.Duplicate) continue;
                await transaction.CommitAsync(cancellationToken);
                foreach (var e in appended.Events) state = Fact.Evolve(state, e.Data);
                return new(state, appended.Version, null, false);
            }
            catch (ConcurrencyException) when (expected is null && attempt < WriteRetry.MaxAttempts)
            {
                // A writer that does not take the lock appended between our read and our write: decide again on its result.
            }
            catch (PostgresException e) when (WriteRetry.IsTransient(e) && attempt < WriteRetry.MaxAttempts)
            {
                // The database rolled the whole transaction back: nothing was stored, so running the command again is safe.
            }
            await WriteRetry.PauseAsync(attempt, cancellationToken);
        }
    }
    private static Decision<Rejection> Adapt(Decision decision) =>
        decision.Rejection is { } rejection ? Decision<Rejection>.Reject(rejection) : Decision<Rejection>.Accept(decision.Events);

    private static IEnumerable<string> SourcesNamedBy(IFactCommand command) => command switch
    {
        RecordClaim c => [c.SourceId],
        DisputeClaim { CounterEvidence: { } evidence } => [evidence.SourceId],
        _ => [],
    };
}
