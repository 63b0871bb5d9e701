using Npgsql;
using Wolverine.RDBMS;
using Wolverine.Runtime;

namespace SCOFacts.Api.Jobs;

/// <summary>
/// Asks for a job: its row and the durable <see cref="RunJob"/> message commit in one transaction, so that every
/// job asked for is run and no message names a job that does not exist.
/// </summary>
public sealed class JobQueue(JobStore jobs, NpgsqlDataSource dataSource, IWolverineRuntime runtime)
{
    /// <summary>The durable local queue jobs run on.</summary>
    public const string QueueName = "jobs";

    /// <summary>Queues a job of <paramref name="kind"/> asked for by <paramref name="requestedBy"/>, and answers it as stored.</summary>
    public async Task<Job> SubmitAsync(string kind, string requestedBy, string? reason, string unit, long? total, string? input,
        CancellationToken cancellationToken)
    {
        var storage = runtime.Storage as IMessageDatabase
            ?? throw new InvalidOperationException("Wolverine's message store is not the application's PostgreSQL database.");
        var id = Guid.CreateVersion7();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var job = await jobs.CreateAsync(id, kind, requestedBy, reason, unit, total, input, running: false, connection, transaction, cancellationToken);
        var context = new MessageContext(runtime);
        await context.EnlistInOutboxAsync(new DatabaseEnvelopeTransaction(storage, transaction));
        await context.PublishAsync(new RunJob(id));
        await transaction.CommitAsync(cancellationToken);
        // Committed: hand the message to its queue now rather than waiting for the durability agent to find it.
        await context.FlushOutgoingMessagesAsync();
        return job;
    }
}
