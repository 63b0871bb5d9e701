using Marten;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using SCOFacts.Api.Claims;
using SCOFacts.Api.Cli;
using SCOFacts.Api.Facts;
using SCOFacts.Api.Feed;
using SCOFacts.Api.History;
using SCOFacts.Api.Http;
using SCOFacts.Api.Jobs;
using SCOFacts.Api.Platform;
using SCOFacts.Api.Publishing;
using SCOFacts.Api.ReadModels;
using SCOFacts.Api.Seeding;
using SCOFacts.Api.Sources;
using SCOFacts.Api.Storage;
using SCOFacts.Api.Subscriptions;
using SCOFacts.Api.Timeline;
using SCOFacts.Api.Trust;
using SCOFacts.Domain;
using SCOFacts.EventStore;

using Swashbuckle.AspNetCore.SwaggerGen;

namespace SCOFacts.Api.Application;

/// <summary>Settings of the seed set loaded on first start.</summary>
public sealed class SeedOptions
{
    public const string Section = "Seeds";

    /// <summary>Load the seed set when the store has not had it loaded to completion.</summary>
    public bool LoadOnStart { get; set; } = true;

    /// <summary>The seed folder; by default the copy next to the application.</summary>
    public string Folder { get; set; } = Path.Combine(AppContext.BaseDirectory, "seeds");

    /// <summary>The name a complete load is recorded under.</summary>
    public string Name { get; set; } = "sco-documents";

    /// <summary>
    /// The folder holding the source documents the seed sources name (file and SHA-256 in sources.json). Empty: the
    /// <c>shared/seeds</c> folder beside the repository holding the application, if there is one.
    /// </summary>
    public string? Documents { get; set; }

    /// <summary>The documents folder: <see cref="Documents"/> when set, else <c>../shared/seeds</c> beside the first folder above
    /// <paramref name="startFolders"/> that holds SCOFacts.sln; null when neither is found.</summary>
    public string? ResolveDocuments(params string[] startFolders)
    {
        ArgumentNullException.ThrowIfNull(startFolders);
        if (!string.IsNullOrWhiteSpace(Documents)) return Path.GetFullPath(Documents);
        foreach (var start in startFolders)
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                if (!File.Exists(Path.Combine(folder.FullName, "SCOFacts.sln"))) continue;
                var candidate = Path.GetFullPath(Path.Combine(folder.FullName, "..", "shared", "seeds"));
                if (Directory.Exists(candidate)) return candidate;
                break;
            }
        }
        return null;
    }
}

/// <summary>Wires the facts application: events on Marten, projections, daemon, desk, readers and endpoints.</summary>
public static class FactsModule
{
    /// <summary>The services both the web host and the command-line verbs use.</summary>
    public static IServiceCollection AddScoFactsCore(this IServiceCollection services, NodeDistribution distribution = NodeDistribution.HotCold)
    {
        services.AddOptions<SeedOptions>().BindConfiguration(SeedOptions.Section);
        services.TryAddSingleton<ScoFactsMetrics>();
        services.AddScoFactsMarten(distribution);
        services.AddScoFactsMessaging();
        services.AddSingleton<FactsProjection>();
        // Marten owns the events; the facts projection's views commit in each append's transaction.
        services.AddSingleton(sp => new ScoFactsEvents(sp.GetRequiredService<IDocumentStore>(), sp.GetRequiredService<NpgsqlDataSource>(),
            [sp.GetRequiredService<FactsProjection>()]));
        // The log kept before Marten, read only to carry it over into Marten's.
        services.AddSingleton(sp =>
        {
            var types = new EventTypeRegistry(DomainEvents.JsonOptions);
            foreach (var (name, type) in DomainEvents.Types) types.Register(type, name);
            return new EventStore.EventStore(sp.GetRequiredService<NpgsqlDataSource>(), new EventStoreOptions { Types = types, Frozen = true });
        });
        services.AddSingleton(sp => new LegacyLogCarryOver(sp.GetRequiredService<EventStore.EventStore>(), sp.GetRequiredService<IDocumentStore>(),
            sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<SourceDocuments>();
        // Writes are Wolverine aggregate handlers (WriteCommands.cs): Marten fetches their models under the stream's
        // lock, from what the facts projection stores, and completes each append inside its own commit.
        services.ConfigureMarten((sp, options) => options.Projections.FetchPlanners.Add(
            new LockedStreamFetchPlanner(sp.GetRequiredService<ScoFactsEvents>)
                .Add<FactForWrite>(FactForWrite.LoadAsync)
                .Add<SourceForWrite>(SourceForWrite.LoadAsync)));
        services.AddSingleton<FactsDesk>();
        services.AddSingleton<FactReader>();
        services.AddSingleton<FactHistory>();
        services.AddSingleton<FactQueries>();
        services.AddSingleton<SeedLoader>();
        services.AddSingleton(sp => new ViewRebuilder(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddOptions<TrustScheduleOptions>().BindConfiguration(TrustScheduleOptions.Section);
        services.AddSingleton<TrustProjection>();
        services.AddSingleton<TrustQueries>();
        return services;
    }

    public static WebApplicationBuilder AddScoFactsFacts(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Read once, before anything is registered: Wolverine's integration needs it at registration. A host with the
        // daemon off runs no shard, so it takes part in no distribution.
        var distribution = builder.Configuration.GetValue(DaemonHost.EnabledSetting, true)
            ? NodeOptions.ReadDistribution(builder.Configuration)
            : NodeDistribution.HotCold;
        builder.Services.AddScoFactsCore(distribution);
        builder.Services.ConfigureHttpJsonOptions(json => ResponseJson.Configure(json.SerializerOptions));
        builder.Services.Configure<SwaggerGenOptions>(FactsOpenApi.Configure);
        // A database of the release before Marten has its log carried over (and the views rebuilt from Marten's) first.
        builder.Services.AddHostedService<CarryOverOnStart>();
        // Stored answers computed by older rules are rebuilt before anything is served or loaded.
        builder.Services.AddSingleton<ReadModelRevisions>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReadModelRevisions>());
        // Seeds load before the daemon starts, so its first batches see a populated log.
        builder.Services.AddHostedService<SeedOnStart>();
        builder.Services.AddScoFactsDaemon(distribution);
        builder.Services.AddReadinessCheck<ProjectionsHealthCheck>("projections");
        builder.Services.AddHostedService<ProjectionLagSampler>();
        builder.Services.AddReadinessCheck<SkippedGapsHealthCheck>("event-gaps");
        return builder;
    }

    public static WebApplication MapScoFactsApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapSourcesApi();
        app.MapFactsApi();
        app.MapClaimsApi();
        app.MapTimelineApi();
        app.MapHistoryApi();
        app.MapFeedApi();
        app.MapClaimReviewApi();
        app.MapTrustApi();
        app.MapSubscriptionsApi();
        app.MapFactChangesApi();
        app.MapJobsApi();
        return app;
    }
}

/// <summary>Loads the seed set into a store that has not had it (idempotent: a half-finished load resumes).</summary>
internal sealed partial class SeedOnStart(SeedLoader loader, IOptions<SeedOptions> options, IHostEnvironment environment, ILogger<SeedOnStart> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.LoadOnStart) return;
        if (!Directory.Exists(settings.Folder))
        {
            LogNoSeeds(logger, settings.Folder);
            return;
        }
        var documents = settings.ResolveDocuments(environment.ContentRootPath, Directory.GetCurrentDirectory());
        if (documents is null || !Directory.Exists(documents))
            LogNoDocuments(logger, documents ?? "../shared/seeds beside the repository");
        var seeds = SeedSet.Load(settings.Folder);
        if (await loader.IsLoadedAsync(settings.Name, cancellationToken))
        {
            // A store seeded before documents were kept, or before the folder was there, gets them now (once: attaching is idempotent).
            if (documents is not null && Directory.Exists(documents))
                Report(await loader.AttachDocumentsAsync(seeds, documents, cancellationToken));
            return;
        }
        LogLoading(logger, settings.Folder);
        var progress = new CliProgress(message => LogProgress(logger, message), "seeds load", seeds.ItemCount, "items");
        Report(await loader.LoadAsync(seeds, settings.Name, progress, cancellationToken,
            documents is not null && Directory.Exists(documents) ? documents : null));
    }

    private void Report(LoadSummary summary)
    {
        foreach (var rejected in summary.Rejected) LogRejected(logger, rejected);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading the seed set from {Folder}")]
    private static partial void LogLoading(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Progress}")]
    private static partial void LogProgress(ILogger logger, string progress);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seed rejected: {Rejected}")]
    private static partial void LogRejected(ILogger logger, string rejected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No source documents folder at {Folder} (set Seeds:Documents): seed sources get no document text, and their claims' quotes are not checked")]
    private static partial void LogNoDocuments(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No seed folder at {Folder}; starting empty")]
    private static partial void LogNoSeeds(ILogger logger, string folder);
}

/// <summary>Readiness includes the asynchronous projections' lag on Marten's daemon: degraded past a minute behind.</summary>
internal sealed class ProjectionsHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var projections = await AsyncProjections.StatusAsync(dataSource, cancellationToken);
        var worst = projections.Count == 0 ? 0 : projections.Max(p => p.SecondsBehind);
        var description = string.Join("; ", projections.Select(p => $"{p.Name}: {p.EventsBehind} events / {p.SecondsBehind:0.#} s behind"));
        return worst > 60 ? HealthCheckResult.Degraded(description) : HealthCheckResult.Healthy(description);
    }
}

/// <summary>
/// Carries the log of the release before Marten over on start, when the old <c>events</c> table holds events not yet
/// carried (resumable, and locked against other nodes doing the same), then rebuilds the inline views from Marten's
/// events, so every answer is served from the carried log.
/// </summary>
internal sealed partial class CarryOverOnStart(LegacyLogCarryOver carryOver, ViewRebuilder rebuilder, FactsProjection facts,
    IConfiguration configuration, ILogger<CarryOverOnStart> logger) : IHostedService
{
    /// <summary>The setting that leaves the carry-over to the caller (default on).</summary>
    public const string EnabledSetting = "Events:CarryOverOnStart";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!configuration.GetValue(EnabledSetting, true)) return;
        var report = await carryOver.RunAsync(cancellationToken: cancellationToken);
        if (report.Outcome != CarryOverOutcome.Carried) return;
        var rebuilt = await rebuilder.RebuildAsync(facts, replace: true, cancellationToken);
        LogCarried(logger, report.Carried, report.Total, report.Digest, rebuilt.DifferenceCount);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Carried {Carried} of the old log's {Total} events into Marten (old digest {Digest}); the views were rebuilt from them, {Changed} row(s) changed")]
    private static partial void LogCarried(ILogger logger, long carried, long total, string? digest, long changed);
}
