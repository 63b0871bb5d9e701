using Npgsql;
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
public sealed class FactsDesk(EventStore.EventStore store, NpgsqlDataSource dataSource)
{
    private readonly CommandRunner _runner = new(store);

    /// <summary>Runs a command on one fact's stream.</summary>
    /// <exception cref="ConcurrencyException">The fact is not at <paramref name="ifMatch"/>.</exception>
    public async Task<DeskResult<FactState>> RunAsync(IFactCommand command, EventMetadata metadata, ExpectedVersion? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var context = new KnownSources(await ExistingSourcesAsync(SourcesNamedBy(command), cancellationToken));
        try
        {
            var outcome = await _runner.RunAsync<FactState, Rejection>(
                Fact.StreamId(command.FactId), Fact.Initial, Fact.Evolve,
                (state, _) => Adapt(Fact.Decide(command, state, context)),
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
    }

    /// <summary>Runs a command on one source's stream.</summary>
    public async Task<DeskResult<SourceState>> RunAsync(ISourceCommand command, EventMetadata metadata, ExpectedVersion? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var outcome = await _runner.RunAsync<SourceState, Rejection>(
            Source.StreamId(command.SourceId), Source.Initial, Source.Evolve,
            (state, _) => Adapt(Source.Decide(command, state)),
            metadata, ifMatch, cancellationToken);
        return new(outcome.State, outcome.Version, outcome.Rejection, outcome.Duplicate);
    }

    private static Decision<Rejection> Adapt(Decision decision) =>
        decision.Rejection is { } rejection ? Decision<Rejection>.Reject(rejection) : Decision<Rejection>.Accept(decision.Events);

    private static IEnumerable<string> SourcesNamedBy(IFactCommand command) => command switch
    {
        RecordClaim c => [c.SourceId],
        DisputeClaim { CounterEvidence: { } evidence } => [evidence.SourceId],
        _ => [],
    };

    private async Task<IReadOnlyList<string>> ExistingSourcesAsync(IEnumerable<string> sourceIds, CancellationToken cancellationToken)
    {
        var ids = sourceIds.Distinct(StringComparer.Ordinal).ToArray();
        if (ids.Length == 0) return [];
        await using var command = dataSource.CreateCommand("SELECT source_id FROM source_views WHERE source_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        var found = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) found.Add(reader.GetString(0));
        return found;
    }
}
