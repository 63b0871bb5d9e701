using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace SCOFacts.Api.Platform;

/// <summary>The host platform resource APIs plug into: database, telemetry, problems, auth, limits, idempotency, OpenAPI, health.</summary>
public static class PlatformExtensions
{
    public static WebApplicationBuilder AddScoFactsPlatform(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // First, so that the database is migrated before any other hosted service starts.
        builder.AddScoFactsDatabase();
        builder.AddScoFactsTelemetry();
        var services = builder.Services;
        // After the database's start-up, so that it stops first: a cluster being stopped on purpose is not restarted.
        services.AddSingleton<LocalClusterSupervision>();
        services.AddHostedService(sp => sp.GetRequiredService<LocalClusterSupervision>());
        services.AddOptions<RequestLimitOptions>().BindConfiguration(RequestLimitOptions.Section);
        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.Section);
        builder.AddScoFactsRequestShape();
        services.AddScoFactsProblems();
        services.AddScoFactsAuth();
        services.AddScoFactsRateLimits();
        services.AddScoFactsOpenApi();
        services.AddScoFactsHealth();
        services.AddHostedService<StartupLog>();
        return builder;
    }

    /// <summary>The middleware, in the order that matters, and the platform's own endpoints.</summary>
    public static WebApplication UseScoFactsPlatform(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseScoFactsProblems();
        // Before anything else reads the request: Kestrel's bare 414 and 431 are replaced by problems here.
        app.UseMiddleware<RequestShapeMiddleware>();
        app.UseScoFactsOpenApi();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseMiddleware<QueryParameterMiddleware>();
        app.UseAuthentication();
        // After authentication, to count per API key; before authorization, so that refused writes count too.
        app.UseRateLimiter();
        app.UseAuthorization();
        // After authorization: a key is claimed only for requests that are allowed to run.
        app.UseMiddleware<IdempotencyMiddleware>();
        app.UseMiddleware<ReadCachingMiddleware>();
        app.MapProblemsApi();
        app.MapHealthApi();
        app.MapMetricsApi();
        return app;
    }
}

/// <summary>Says where the API can be reached once it listens.</summary>
internal sealed partial class StartupLog(IHostApplicationLifetime lifetime, IServer server, ILogger<StartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
            if (addresses is null || addresses.Count == 0)
                return; // A test server has no addresses.
            LogListening(logger, string.Join(", ", addresses), addresses.First().TrimEnd('/') + "/swagger");
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "SCOFacts API listening on {Addresses}; Swagger UI at {Swagger}")]
    private static partial void LogListening(ILogger logger, string addresses, string swagger);
}
