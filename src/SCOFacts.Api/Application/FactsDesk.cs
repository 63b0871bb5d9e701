using System.Runtime.ExceptionServices;
using Npgsql;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;
using SCOFacts.EventStore;
using Wolverine.Runtime;

namespace SCOFacts.Api.Application;

/// <summary>The outcome of a command: the state after it, or why it was refused.</summary>
public sealed record DeskResult<TState>(TState State, long Version, Rejection? Rejection, bool Duplicate)
{
    public bool Accepted => Rejection is null;
}

/// <summary>
/// Where every write goes: HTTP endpoints, desk actions, the seed loader and the importer all run commands through
/// here, so every change is an ordinary event with its metadata. Each command is a Wolverine message
/// (<see cref="WriteFact"/>, <see cref="WriteFactAt"/>, <see cref="WriteSource"/>, <see cref="WriteSourceAt"/>) invoked
/// in-process; this façade keeps the callers' surface and turns what the bus raises back into the outcomes they know.
/// </summary>
/// <remarks>
/// A claim's quote (and a dispute's counter-evidence) is checked against its source's document on the one path every
/// writer takes: see <see cref="QuoteEvidence"/>. Writers of one stream are serialised by the stream's lock (ADR 008,
/// ADR 009): without If-Match a write never loses a race to another writer of the same fact, and with it a stale
/// version is refused before anything is written. What can still fail is retried by the handler chains
/// (<see cref="WriteRetries"/>), and a failure no attempt resolved is refused as a <c>write-contention</c> conflict.
/// </remarks>
public sealed class FactsDesk(IWolverineRuntime runtime)
{
    /// <summary>Runs a command on one fact's stream.</summary>
    /// <exception cref="ConcurrencyException">The fact is not at <paramref name="ifMatch"/>.</exception>
    public async Task<DeskResult<FactState>> RunAsync(IFactCommand command, EventMetadata metadata, ExpectedVersion? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(metadata);
        object message = Pinned(ifMatch) is { } version ? new WriteFactAt(command, metadata, version) : new WriteFact(command, metadata);
        return await InvokeAsync(message, Fact.Initial, Fact.StreamId(command.FactId), ifMatch, cancellationToken);
    }

    /// <summary>Runs a command on one source's stream.</summary>
    /// <exception cref="ConcurrencyException">The source is not at <paramref name="ifMatch"/>.</exception>
    public async Task<DeskResult<SourceState>> RunAsync(ISourceCommand command, EventMetadata metadata, ExpectedVersion? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(metadata);
        object message = Pinned(ifMatch) is { } version ? new WriteSourceAt(command, metadata, version) : new WriteSource(command, metadata);
        return await InvokeAsync(message, Source.Initial, Source.StreamId(command.SourceId), ifMatch, cancellationToken);
    }

    // Invokes the command in-process and turns what the bus raises back into what callers know. The bus runs without
    // the request's cancellation: once a write has started, a client going away must not cut its commit in half.
    private async Task<DeskResult<TState>> InvokeAsync<TState>(object message, TState initial, string streamId, ExpectedVersion? ifMatch,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return await new MessageBus(runtime).InvokeAsync<DeskResult<TState>>(message, CancellationToken.None);
        }
        catch (Exception e)
        {
            var cause = WriteRetries.Cause(e);
            // Every attempt failed: a race when the request pinned no version, a twin request's key, or the database
            // choosing this write as its victim each time.
            if ((WriteRetries.IsLostRace(cause) && Pinned(ifMatch) is null) || WriteRetries.IsKeyTaken(cause) || WriteRetries.IsTransient(cause))
                return new(initial, 0, Contention(streamId), false);
            // With If-Match, a race lost to a writer that does not take the stream's lock is the stale version it is.
            if (cause is not ConcurrencyException && WriteRetries.IsLostRace(cause) && Pinned(ifMatch) is { } pinned)
                throw new ConcurrencyException(streamId, ExpectedVersion.Exact(pinned), null, cause);
            // Claim ids are unique across facts. Writers through here meet at the claim id's lock and are refused by the
            // decision (ClaimIdCheck); one that bypassed the lock meets the claim index's key, which refuses the append.
            if (((message as WriteFact)?.Command ?? (message as WriteFactAt)?.Command) is RecordClaim record
                && cause is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "claim_index_pkey" })
                return new(initial, 0, Rejection.Conflict("claim-exists", $"Claim id '{record.ClaimId}' is already used in another fact."), false);
            if (cause == e) throw;
            ExceptionDispatchInfo.Capture(cause).Throw();
            throw;
        }
    }

    // "Any" pins nothing; "no stream" is version 0, the version of a stream with no events.
    private static long? Pinned(ExpectedVersion? ifMatch) => ifMatch switch
    {
        null => null,
        var v when v == ExpectedVersion.Any => null,
        var v when v == ExpectedVersion.NoStream => 0,
        var v => v.Value.Value,
    };

    private static Rejection Contention(string streamId) => Rejection.Conflict("write-contention",
        $"Other writes to '{streamId}' kept this one from completing after {WriteRetries.MaxAttempts} attempts; nothing was stored. Send it again.");
}
