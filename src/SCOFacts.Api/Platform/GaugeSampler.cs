namespace SCOFacts.Api.Platform;

/// <summary>
/// Takes a sample for some gauges at a fixed interval. A gauge is read synchronously at each scrape, and what these
/// gauges report takes queries, so the sample is taken in the background and the gauges report the newest one; while
/// the database is away (or the thing sampled does not exist yet) the last sample stands, and so it does after any
/// other failure, which is logged as a warning instead of stopping the host.
/// </summary>
internal abstract partial class GaugeSampler(TimeSpan interval, ILogger logger) : BackgroundService
{
    /// <summary>What is sampled, for the log line when a sample fails.</summary>
    protected abstract string What { get; }

    /// <summary>Takes one sample and reports it.</summary>
    protected abstract Task SampleAsync(CancellationToken cancellationToken);

    /// <summary>A failure that only means there is nothing to sample now; logged at debug level and tried again later.</summary>
    protected virtual bool IsExpected(Exception exception) => DatabaseFailures.IsUnavailable(exception);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && IsExpected(e))
            {
                LogSampleFailed(logger, What, e.GetBaseException().Message);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A gauge is not worth the host: an unhealthy background service stops the application, so a sample that
                // failed for a reason nobody foresaw is reported loudly and the next tick tries again.
                LogSampleFailedUnexpectedly(logger, What, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not sample {What}: {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string what, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not sample {What}; the gauges keep the last sample")]
    private static partial void LogSampleFailedUnexpectedly(ILogger logger, string what, Exception exception);
}
