using Microsoft.Extensions.Options;
using SCOFacts.Api.Platform;
using Npgsql;
using SCOFacts.Api.Storage;

namespace SCOFacts.Api.Application;

/// <summary>
/// Samples the asynchronous projections' lag for the lag gauges. Gauges are read synchronously at each scrape,
/// and reading the lag takes queries, so a sample is taken every <see cref="TelemetryOptions.ProjectionLagInterval"/>
/// and the gauges report the newest one; while the database is away they keep reporting the last.
/// </summary>
internal sealed partial class ProjectionLagSampler(
    NpgsqlDataSource dataSource,
    ScoFactsMetrics metrics,
    IOptions<TelemetryOptions> options,
    ILogger<ProjectionLagSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ProjectionLagInterval);
        do
        {
            try
            {
                metrics.ReportProjections(await AsyncProjections.StatusAsync(dataSource, stoppingToken));
            }
            catch (Exception e) when (DatabaseFailures.IsUnavailable(e))
            {
                LogSampleFailed(logger, e.GetBaseException().Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not sample the projections' lag: {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string reason);
}
