using Microsoft.Extensions.Options;
using Npgsql;
using SCOFacts.Api.Platform;
using SCOFacts.Api.Seeding;
using SCOFacts.Api.Trust;
using Wolverine.Attributes;

namespace SCOFacts.Api.Jobs;

/// <summary>The durable message that runs a job: its row holds everything else.</summary>
/// <param name="JobId">The job.</param>
public sealed record RunJob(Guid JobId);

/// <summary>
/// A job was interrupted because its host is stopping; Wolverine schedules its message again, so that this process
/// (when it comes back) or another one runs it.
/// </summary>
public sealed class JobInterruptedException(Guid jobId, Exception inner)
    : Exception($"Job {jobId} was interrupted by the host stopping; it runs again.", inner);

/// <summary>Handles <see cref="RunJob"/> from the durable jobs queue.</summary>
public sealed class RunJobHandler(JobRunner runner)
{
    // A full estimation on a large log or a large import takes minutes; Wolverine's default limit is far shorter.
    private const int TimeoutSeconds = 24 * 60 * 60;

    /// <summary>Runs the job, unless it has already ended.</summary>
    [MessageTimeout(TimeoutSeconds)]
    public Task HandleAsync(RunJob message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return runner.RunAsync(message.JobId, cancellationToken);
    }
}

/// <summary>
/// Runs a job from its row: an import records its items through the desk, an estimation re-derives trust from the log.
/// Each start counts an attempt; a job that has ended is not run again, so a message delivered twice runs it once.
/// </summary>
/// <remarks>
/// An attempt cut short by the host stopping is given back to Wolverine (<see cref="JobInterruptedException"/>) and
/// runs again from the start, which is safe: an import's items carry idempotency keys made of the job id and the
/// item's id, so items the first attempt stored are answered as duplicates; an estimation is idempotent.
/// </remarks>
public sealed partial class JobRunner(JobStore jobs, SeedLoader loader, TrustProjection trust, NpgsqlDataSource dataSource,
    IHostApplicationLifetime lifetime, IOptions<JobOptions> options, ILogger<JobRunner> logger)
{
    /// <summary>The problem type of a job that ended with an error.</summary>
    public static ProblemKind JobFailed { get; } = new("job-failed", StatusCodes.Status500InternalServerError, "The job failed",
        "The job stopped with an error before it finished. Its 'detail' says why; ask for the job again once the cause is fixed.");

    /// <summary>The problem type of an import that ran to its end but could not record every item.</summary>
    public static ProblemKind ImportIncomplete { get; } = new("import-incomplete", StatusCodes.Status422UnprocessableEntity,
        "Some items were not imported",
        "The import ran to its end, but some items were rejected or clash with what is stored under their ids. The job's result lists them by line.");

    /// <summary>The idempotency-key prefix of the items an import job records.</summary>
    public static string KeyPrefix(Guid jobId) => $"import:{jobId:N}";

    /// <summary>Runs the job <paramref name="jobId"/> if it has not ended.</summary>
    public async Task RunAsync(Guid jobId, CancellationToken cancellationToken)
    {
        if (await jobs.StartAsync(jobId, cancellationToken) is not { } job)
        {
            LogAlreadyEnded(logger, jobId);
            return;
        }
        LogStarted(logger, jobId, job.Kind, job.Attempts);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        try
        {
            switch (job.Kind)
            {
                case JobKinds.Import:
                    await ImportAsync(job, stopping.Token);
                    break;
                case JobKinds.TrustEstimation:
                    var run = await trust.ReestimateAsync(dataSource, stopping.Token);
                    await jobs.FinishAsync(jobId, 1, run, null, CancellationToken.None);
                    break;
                default:
                    await jobs.FinishAsync(jobId, null, null, Error(JobFailed, $"No runner for jobs of kind '{job.Kind}'."), CancellationToken.None);
                    break;
            }
        }
        catch (Exception e) when (stopping.IsCancellationRequested)
        {
            LogInterrupted(logger, jobId);
            await TryRequeueAsync(jobId);
            throw new JobInterruptedException(jobId, e);
        }
        catch (Exception e)
        {
            // Any other failure ends the job: retrying the message would fail the same way, and the job would never end.
            LogFailed(logger, jobId, e);
            await jobs.FinishAsync(jobId, null, null, Error(JobFailed, e.Message), CancellationToken.None);
        }
    }

    // The row says queued again while the job waits for its next run; should the database be gone too, it says running until then.
    private async Task TryRequeueAsync(Guid jobId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await jobs.RequeueAsync(jobId, timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
        {
            LogRequeueFailed(logger, jobId, e);
        }
    }

    /// <summary>Runs an import in place (the command line's), writing its progress to the job <paramref name="jobId"/> as well as to <paramref name="also"/>.</summary>
    public async Task<LoadSummary> ImportInPlaceAsync(Guid jobId, IReadOnlyList<ImportItem> items, string principal, IProgress<long>? also,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        try
        {
            return await ImportItemsAsync(jobId, items, principal, also, cancellationToken);
        }
        catch (Exception e)
        {
            await jobs.FinishAsync(jobId, null, null, Error(JobFailed, e.Message), CancellationToken.None);
            throw;
        }
    }

    private async Task ImportAsync(JobStore.Started job, CancellationToken cancellationToken)
    {
        var items = SeedSet.ReadImportText(job.Input ?? "");
        await ImportItemsAsync(job.Id, items, job.RequestedBy, null, cancellationToken);
    }

    private async Task<LoadSummary> ImportItemsAsync(Guid jobId, IReadOnlyList<ImportItem> items, string principal, IProgress<long>? also,
        CancellationToken cancellationToken)
    {
        LoadSummary summary;
        await using (var progress = new JobProgressWriter(jobs, jobId, items.Count, options.Value.ProgressInterval, logger, also))
            summary = await loader.ImportAsync(items, KeyPrefix(jobId), principal, progress, cancellationToken);
        var result = new ImportResult(summary.Recorded, summary.Skipped, summary.Conflicts, summary.Rejected);
        var error = summary.Clean ? null
            : Error(ImportIncomplete, $"{summary.Conflicts.Count} conflicts and {summary.Rejected.Count} rejected items of {items.Count}; the result lists them.");
        await jobs.FinishAsync(jobId, items.Count, result, error, CancellationToken.None);
        return summary;
    }

    private static JobError Error(ProblemKind kind, string detail) => new(kind.Type, kind.Title, detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} has already ended; its message is dropped")]
    private static partial void LogAlreadyEnded(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ({Kind}) started, attempt {Attempt}")]
    private static partial void LogStarted(ILogger logger, Guid jobId, string kind, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} interrupted by the host stopping; it runs again")]
    private static partial void LogInterrupted(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not mark job {JobId} queued again; it shows running until its next run")]
    private static partial void LogRequeueFailed(ILogger logger, Guid jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} failed")]
    private static partial void LogFailed(ILogger logger, Guid jobId, Exception exception);
}

/// <summary>What an import did.</summary>
/// <param name="Recorded">Items stored now.</param>
/// <param name="Skipped">Items already stored with the same content (by an earlier import, or by an interrupted attempt of this one).</param>
/// <param name="Conflicts">Items whose id is stored with different content, each with its line and what differs.</param>
/// <param name="Rejected">Items refused, each with its line and why.</param>
public sealed record ImportResult(int Recorded, int Skipped, IReadOnlyList<string> Conflicts, IReadOnlyList<string> Rejected);
