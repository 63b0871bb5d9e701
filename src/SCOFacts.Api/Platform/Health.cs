using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using SCOFacts.EventStore.Migrations;

namespace SCOFacts.Api.Platform;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (every readiness check passes). Other code adds
/// readiness checks with <see cref="AddReadinessCheck{T}"/>, e.g. the projection daemon's lag.
/// </summary>
public static class Health
{
    /// <summary>The tag that puts a health check into <c>/health/ready</c>.</summary>
    public const string ReadyTag = "ready";

    public static IServiceCollection AddScoFactsHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<MigrationsHealthCheck>("migrations", tags: [ReadyTag])
            .AddCheck<LocalClusterHealthCheck>("local-cluster", tags: [ReadyTag]);
        return services;
    }

    /// <summary>Adds a check to <c>/health/ready</c>: the API is not ready until it reports healthy (degraded still counts as ready).</summary>
    public static IServiceCollection AddReadinessCheck<T>(this IServiceCollection services, string name)
        where T : class, IHealthCheck
    {
        services.AddHealthChecks().AddCheck<T>(name, tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/health").WithTags("Health");

        group.MapGet("/live", () => TypedResults.Ok(new HealthResponse("Healthy", [])))
            .WithName("Live")
            .WithSummary("Answers 200 while the process runs.")
            .WithExamples(response: new HealthResponse("Healthy", []));

        group.MapGet("/ready", async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> (HealthCheckService health, CancellationToken cancellationToken) =>
            {
                var report = await health.CheckHealthAsync(check => check.Tags.Contains(ReadyTag), cancellationToken);
                var body = new HealthResponse(
                    report.Status.ToString(),
                    report.Entries.Select(e => new HealthCheckResponse(e.Key, e.Value.Status.ToString(), e.Value.Description, Math.Round(e.Value.Duration.TotalMilliseconds, 1))).ToList());
                return report.Status == HealthStatus.Unhealthy
                    ? TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable)
                    : TypedResults.Ok(body);
            })
            .WithName("Ready")
            .WithSummary("Answers 200 when the database is reachable, every migration is applied and every other readiness check passes; 503 otherwise.")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable)
            .WithExamples(response: new HealthResponse("Healthy",
            [
                new HealthCheckResponse("database", "Healthy", "PostgreSQL answers.", 2.1),
                new HealthCheckResponse("migrations", "Healthy", "All 2 migrations are applied.", 3.4),
            ]))
            .WithResponseExample(StatusCodes.Status503ServiceUnavailable, new HealthResponse("Unhealthy",
            [
                new HealthCheckResponse("database", "Unhealthy", "PostgreSQL cannot be reached.", 5003.2),
                new HealthCheckResponse("migrations", "Unhealthy", "Could not read the applied migrations.", 5001.7),
            ]), "application/json");
        return routes;
    }
}

/// <summary>The body of <c>/health/live</c> and <c>/health/ready</c>.</summary>
/// <param name="Status">Healthy, Degraded or Unhealthy: the worst of the checks.</param>
/// <param name="Checks">Each check's outcome.</param>
public sealed record HealthResponse(string Status, IReadOnlyList<HealthCheckResponse> Checks);

/// <summary>One check's outcome.</summary>
/// <param name="Name">The check, e.g. <c>database</c>.</param>
/// <param name="Status">Healthy, Degraded or Unhealthy.</param>
/// <param name="Description">What it found.</param>
/// <param name="DurationMs">How long it took.</param>
public sealed record HealthCheckResponse(string Name, string Status, string? Description, double DurationMs);

internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }
        catch (NpgsqlException e)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL cannot be reached.", e);
        }
    }
}

internal sealed class MigrationsHealthCheck(MigrationRunner migrations) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await migrations.GetStatusAsync(cancellationToken);
            if (status.IsUpToDate)
                return HealthCheckResult.Healthy($"All {status.Applied.Count} migrations are applied.");
            return HealthCheckResult.Unhealthy($"{status.Pending.Count} migration(s) pending, {status.Modified.Count} modified since applied.");
        }
        catch (NpgsqlException e)
        {
            return HealthCheckResult.Unhealthy("Could not read the applied migrations.", e);
        }
    }
}

/// <summary>The supervised local cluster: unhealthy while its server is down and being restarted.</summary>
internal sealed class LocalClusterHealthCheck(LocalClusterSupervision supervision) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (supervision.Cluster is not { } cluster)
            return Task.FromResult(HealthCheckResult.Healthy("No local cluster: the configured server is not this process's to supervise."));
        var restarts = supervision.State is { Restarts: > 0 } restarted
            ? $"; restarted {restarted.Restarts} time(s), last at {restarted.LastRestartAt:O}"
            : "";
        return Task.FromResult(supervision.State switch
        {
            null or { IsUp: true } => HealthCheckResult.Healthy($"Running in {cluster.Folder}{restarts}."),
            { } down => HealthCheckResult.Unhealthy(
                $"The server died at {down.DownSince:O} and is being restarted ({down.FailedAttempts} failed attempt(s){(down.LastError is null ? "" : ": " + down.LastError)}){restarts}."),
        });
    }
}
