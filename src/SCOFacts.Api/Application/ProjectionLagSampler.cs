using Microsoft.Extensions.Options;
using SCOFacts.Api.Platform;
using Npgsql;
using SCOFacts.Api.Storage;

namespace SCOFacts.Api.Application;

/// <summary>Samples the asynchronous projections' lag for the lag gauges every <see cref="TelemetryOptions.ProjectionLagInterval"/>.</summary>
internal sealed class ProjectionLagSampler(
    NpgsqlDataSource dataSource,
    ScoFactsMetrics metrics,
    IOptions<TelemetryOptions> options,
    ILogger<ProjectionLagSampler> logger) : GaugeSampler(options.Value.ProjectionLagInterval, logger)
{
    protected override string What => "the projections' lag";

    protected override async Task SampleAsync(CancellationToken cancellationToken) =>
        metrics.ReportProjections(await AsyncProjections.StatusAsync(dataSource, cancellationToken));
}
