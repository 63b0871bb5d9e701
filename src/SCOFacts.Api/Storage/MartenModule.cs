using JasperFx;
using JasperFx.Events.Daemon;
using Marten;
using Npgsql;
using SCOFacts.Api.Platform;
using Wolverine.Marten;

namespace SCOFacts.Api.Storage;

/// <summary>Registers Marten over the application's data source.</summary>
public static class MartenModule
{
    /// <summary>The setting for events per batch of the async daemon (default <see cref="AsyncProjections.BatchSize"/>).</summary>
    public const string DaemonBatchSizeSetting = "Events:DaemonBatchSize";

    /// <summary>
    /// Adds Marten's document store, configured by <see cref="ScoFactsMarten.Configure"/>, with schema creation off:
    /// the schema comes from <c>migrations/</c>, applied at start-up before anything uses the store. Wolverine's message
    /// store is Marten's (same data source, same transactions), in schema <see cref="Subscriptions.MessagingModule.Schema"/>.
    /// Call it after the database is registered: without one, nothing is added. <paramref name="distribution"/> says
    /// who will run the daemon's shards in a host that runs the daemon: Wolverine's integration must know when it is
    /// registered, since it then brings the agent family and coordinator of its own.
    /// </summary>
    public static IServiceCollection AddScoFactsMarten(this IServiceCollection services, NodeDistribution distribution = NodeDistribution.HotCold)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(s => s.ServiceType == typeof(IDocumentStore))) return services;
        // A host without a database (a verb that reads only files, such as 'seeds verify') gets no store: Marten's
        // start-up would otherwise ask for a data source that is not there. Hosts register the database first.
        if (!services.Any(s => s.ServiceType == typeof(NpgsqlDataSource))) return services;
        services.AddMarten(sp =>
        {
            var options = new StoreOptions();
            var dataSource = sp.GetRequiredService<NpgsqlDataSource>();
            ScoFactsMarten.Configure(options, dataSource, AutoCreate.None);
            var configuration = sp.GetRequiredService<IConfiguration>();
            // A host without the facts services (the schema verbs) registers the same projections, so its schema is the same.
            AsyncProjections.Add(options, dataSource, sp.GetService<Trust.TrustProjection>() ?? new Trust.TrustProjection(),
                configuration.GetValue(DaemonBatchSizeSetting, AsyncProjections.BatchSize));
            // Only a host that asked for the daemon runs it, and only while its settings leave it on.
            var daemon = sp.GetService<DaemonHost>() is not null && configuration.GetValue(DaemonHost.EnabledSetting, true);
            // Under Wolverine's distribution Marten coordinates nothing: the agents Wolverine's leader assigns start
            // the shards. A Marten-side HotCold choice there would be refused by Wolverine at start-up.
            options.Projections.AsyncMode = !daemon ? DaemonMode.Disabled
                : distribution == NodeDistribution.Wolverine ? DaemonMode.ExternallyManaged : DaemonMode.HotCold;
            // A node without shards polls for them this often: after a node dies, its advisory locks are free as soon
            // as PostgreSQL drops its connections, so this bounds how long the sealer and trust stand still.
            var nodes = configuration.GetSection(NodeOptions.Section).Get<NodeOptions>() ?? new NodeOptions();
            options.Projections.LeadershipPollingTime = (int)Math.Clamp(nodes.LeadershipPolling.TotalMilliseconds, 50, int.MaxValue);
            return options;
        })
        // Wolverine keeps its messages in Marten's store, over the same data source, so the outbox of answer changes
        // and the events share a database and its transactions (writes themselves are Wolverine commands, ADR 009).
        .IntegrateWithWolverine(integration =>
        {
            integration.MessageStorageSchemaName = Subscriptions.MessagingModule.Schema;
            integration.AutoCreate = AutoCreate.None;
            integration.UseWolverineManagedEventSubscriptionDistribution = distribution == NodeDistribution.Wolverine;
        });
        return services;
    }

    /// <summary>
    /// Runs Marten's async daemon in this host, with the sealer and learned trust on it; setting
    /// <c>Events:AsyncDaemon</c> to false leaves it off. In <see cref="NodeDistribution.HotCold"/> Marten's projection
    /// coordinator runs as a hosted service (one node of many holds each shard, through an advisory lock); in
    /// <see cref="NodeDistribution.Wolverine"/> Wolverine's agents run the shards and Marten's coordinator must not run,
    /// or the two would start the same shards. Register it after the services that must start before the daemon:
    /// hosted services start in order. Pass the same <paramref name="distribution"/> as to <see cref="AddScoFactsMarten"/>.
    /// </summary>
    public static IServiceCollection AddScoFactsDaemon(this IServiceCollection services, NodeDistribution distribution = NodeDistribution.HotCold)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(new DaemonHost(distribution));
        if (distribution == NodeDistribution.HotCold)
        {
            services.AddSingleton<Marten.Events.Daemon.Coordination.IProjectionCoordinator, Marten.Events.Daemon.Coordination.ProjectionCoordinator>();
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>());
            services.AddSingleton<ShardWatchdog>();
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ShardWatchdog>());
        }
        services.AddReadinessCheck<NodeHealthCheck>("node");
        return services;
    }
}

/// <summary>Marks a host that runs Marten's async daemon, and how its shards are spread.</summary>
internal sealed class DaemonHost(NodeDistribution distribution)
{
    /// <summary>Who assigns the shards.</summary>
    public NodeDistribution Distribution { get; } = distribution;

    /// <summary>The setting that turns the daemon off in a host that would run it.</summary>
    public const string EnabledSetting = "Events:AsyncDaemon";
}
