using Npgsql;
using SCOFacts.Api.Storage;

namespace SCOFacts.Api.ReadModels;

/// <summary>
/// Brings stored read models up to the rules of this release: a read model whose rows were computed by an older
/// revision of its rules is rebuilt from the log (replacing its rows) before the application serves or loads
/// anything, and the revision is recorded. Rebuilding is idempotent, so two nodes starting at once do no harm.
/// </summary>
public sealed partial class ReadModelRevisions(NpgsqlDataSource dataSource, ViewRebuilder rebuilder, FactsProjection facts,
    ILogger<ReadModelRevisions> logger) : IHostedService
{
    /// <summary>
    /// The facts read model's revision. 2: values follow their precision, the served value is a claimed one, reads
    /// without a date answer for a day (see docs/adr/006). 3: each fact's state and answers per stretch of valid time
    /// are stored (fact_answers, fact_answer_stretches). 4: each claim is stored once (fact_answer_claims) and stretches
    /// name their claims by id (migration 0016). 5: stretches leave the fact's version and claim count to the read, so a
    /// write rewrites only the stretches whose answer moved.
    /// </summary>
    public const int FactsRevision = 5;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => EnsureCurrentAsync(cancellationToken);

    /// <summary>Rebuilds the facts read model when its stored revision is older than <see cref="FactsRevision"/>; true when it did.</summary>
    public async Task<bool> EnsureCurrentAsync(CancellationToken cancellationToken)
    {
        await using (var read = dataSource.CreateCommand("SELECT revision FROM read_model_revisions WHERE projection = $1"))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = facts.Name });
            if (await read.ExecuteScalarAsync(cancellationToken) is int stored && stored >= FactsRevision) return false;
        }

        var report = await rebuilder.RebuildAsync(facts, replace: true, cancellationToken);
        LogRebuilt(logger, facts.Name, FactsRevision, report.DifferenceCount);
        await using var write = dataSource.CreateCommand(
            "INSERT INTO read_model_revisions (projection, revision) VALUES ($1, $2) " +
            "ON CONFLICT (projection) DO UPDATE SET revision = excluded.revision, rebuilt_at = clock_timestamp()");
        write.Parameters.Add(new NpgsqlParameter { Value = facts.Name });
        write.Parameters.Add(new NpgsqlParameter { Value = FactsRevision });
        await write.ExecuteNonQueryAsync(cancellationToken);
        return true;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilt the {Projection} read model for revision {Revision}: {Changed} row(s) changed")]
    private static partial void LogRebuilt(ILogger logger, string projection, int revision, long changed);
}
