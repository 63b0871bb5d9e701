using JasperFx.CodeGeneration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using SCOFacts.Api.Jobs;
using SCOFacts.Api.Platform;
using Wolverine;
using Wolverine.Runtime;
using Wolverine.ErrorHandling;

namespace SCOFacts.Api.Subscriptions;

/// <summary>
/// Wolverine in the host: durable messaging (inbox, outbox, dead letters) in the application's own PostgreSQL
/// database, in schema <see cref="Schema"/>, whose tables come from <c>migrations/</c> like every other table.
/// </summary>
/// <remarks>
/// Handler code is generated ahead of time (<c>Internal/Generated</c>, written by the <c>codegen</c> verb) and loaded
/// with <see cref="TypeLoadMode.Static"/>: the application ships no runtime compiler.
/// </remarks>
public static class MessagingModule
{
    /// <summary>The schema of Wolverine's tables.</summary>
    public const string Schema = "wolverine";

    /// <summary>The durable local queue answer changes are published to.</summary>
    public const string AnswerChangesQueue = "answer-changes";

    /// <summary>The durable local queue webhook deliveries run on.</summary>
    public const string DeliveriesQueue = "webhook-deliveries";

    /// <summary>
    /// Registers Wolverine, the outbox of answer changes and the webhook subscriptions. Call it after the database is
    /// registered: a host without one (a verb that reads only files) gets none of it.
    /// </summary>
    public static IServiceCollection AddScoFactsMessaging(this IServiceCollection services, TypeLoadMode typeLoadMode = TypeLoadMode.Static)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(s => s.ServiceType == typeof(IWolverineRuntime))) return services;
        if (!services.Any(s => s.ServiceType == typeof(NpgsqlDataSource))) return services;

        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section);
        services.TryAddSingletonTimeProvider();
        services.TryAddSingleton<Platform.ScoFactsMetrics>();
        services.AddSingleton<SubscriptionStore>();
        services.AddSingleton<FactChangeStream>();
        services.AddSingleton<OutboxRelease>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxRelease>());
        services.AddSingleton<AnswerChangeOutbox>();
        services.AddHostedService<DeadLetterSampler>();
        services.AddOptions<JobOptions>().BindConfiguration(JobOptions.Section);
        services.AddSingleton<JobStore>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobRunner>();
        services.AddProblemKind(JobRunner.JobFailed);
        services.AddProblemKind(JobRunner.ImportIncomplete);
        services.AddHttpClient(DeliverWebhookHandler.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        // Wolverine logs every failed invocation at Error under the message's type. For a write that is mostly the
        // caller's stale If-Match (answered 412) or a race the chain retries: routine, not errors. Whatever a write
        // finally fails with reaches its caller, which reports it (an HTTP 5xx, a failed job), so nothing is hidden.
        services.AddLogging(logging =>
        {
            logging.AddFilter(typeof(Application.WriteFact).FullName, LogLevel.Critical);
            logging.AddFilter(typeof(Application.WriteSource).FullName, LogLevel.Critical);
        });

        services.AddWolverine(ExtensionDiscovery.ManualOnly, options =>
        {
            options.ApplicationAssembly = typeof(MessagingModule).Assembly;
            options.ServiceName = "scofacts";
            options.Durability.MessageStorageSchemaName = Schema;
            options.Discovery.DisableConventionalDiscovery()
                .IncludeType<FactAnswerChangedHandler>()
                .IncludeType<DeliverWebhookHandler>()
                .IncludeType<RunJobHandler>()
                // Every write is a command (Application/WriteCommands.cs), invoked in-process by FactsDesk.
                .IncludeType(typeof(Application.WriteFactHandler))
                .IncludeType(typeof(Application.WriteFactAtHandler))
                .IncludeType(typeof(Application.WriteSourceHandler))
                .IncludeType(typeof(Application.WriteSourceAtHandler));
            options.PublishMessage<FactAnswerChanged>().ToLocalQueue(AnswerChangesQueue).UseDurableInbox();
            options.PublishMessage<DeliverWebhook>().ToLocalQueue(DeliveriesQueue).UseDurableInbox();
            options.PublishMessage<RunJob>().ToLocalQueue(JobQueue.QueueName).UseDurableInbox();
            // Message storage is Marten's (Storage/MartenModule.cs integrates the two over the application's data
            // source); the schema comes from migrations/, never from here.
        });
        // Settings are read when the runtime is built, after test hosts and configuration files had their say.
        services.AddOptions<Storage.NodeOptions>().BindConfiguration(Storage.NodeOptions.Section);
        // The distribution is the one the daemon was registered with (read strictly, once, by the host): a host
        // without the daemon runs no shard, whatever the setting says.
        services.AddSingleton<IWolverineExtension>(sp => new ConfiguredMessaging(sp.GetRequiredService<IOptions<WebhookOptions>>().Value,
            sp.GetRequiredService<IOptions<Storage.NodeOptions>>().Value,
            sp.GetService<Storage.DaemonHost>()?.Distribution ?? Storage.NodeDistribution.HotCold, typeLoadMode));

        return services;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(s => s.ServiceType == typeof(TimeProvider)))
            services.AddSingleton(TimeProvider.System);
    }

    /// <summary>The parts of Wolverine's configuration that come from settings.</summary>
    internal sealed class ConfiguredMessaging(WebhookOptions webhooks, Storage.NodeOptions nodes, Storage.NodeDistribution distribution,
        TypeLoadMode typeLoadMode) : IWolverineExtension
    {
        public void Configure(WolverineOptions options)
        {
            options.CodeGeneration.TypeLoadMode = typeLoadMode;
            // A node killed outright leaves its inbox rows owned by it: they are released once its heartbeat is
            // StaleAfter old (plus two heartbeats, for the leader to be sure) and the next orphan sweep runs. The
            // defaults (one minute, and more) would leave answer changes of a dead node undelivered that long.
            options.Durability.HealthCheckPollingTime = nodes.Heartbeat;
            options.Durability.FirstHealthCheckExecution = nodes.Heartbeat;
            options.Durability.StaleNodeTimeout = nodes.StaleAfter;
            options.Durability.OrphanedMessageSweepPollingTime = nodes.OrphanSweep;
            options.Durability.NodeReassignmentPollingTime = nodes.OrphanSweep;
            if (distribution == Storage.NodeDistribution.Wolverine)
            {
                // The leader hands out the daemon's shards only in Balanced mode (the default, stated so that no later
                // change of default stops the sealer), and checks that each assigned shard really runs every
                // StaleAfter rather than Wolverine's 30 s.
                options.Durability.Mode = DurabilityMode.Balanced;
                options.Durability.CheckAssignmentPeriod = nodes.StaleAfter;
            }
            // Changes are handled in the order their writes committed, so the stream and the fan-out keep that order.
            options.LocalQueue(AnswerChangesQueue).Sequential();
            options.LocalQueue(DeliveriesQueue).MaximumParallelMessages(Math.Max(1, webhooks.Parallelism));
            // Jobs are long and each uses the database hard: one at a time per process.
            options.LocalQueue(JobQueue.QueueName).Sequential();
            // A job cut short by the host stopping is stored again for a second run, here after a restart or on another process.
            options.OnException<JobInterruptedException>().ScheduleRetryIndefinitely(TimeSpan.FromSeconds(1));

            // Short pauses are waited out in place, longer ones reschedule through the inbox; after the last attempt
            // the delivery is dead-lettered.
            var delays = webhooks.RetryDelays();
            var inPlace = delays.TakeWhile(d => d <= webhooks.InPlaceLimit).ToArray();
            var scheduled = delays.Skip(inPlace.Length).ToArray();
            var policy = options.OnException<WebhookDeliveryException>();
            IAdditionalActions? then = null;
            if (inPlace.Length > 0)
                then = policy.RetryWithCooldown(inPlace);
            if (scheduled.Length > 0)
                then = then is null ? policy.ScheduleRetry(scheduled) : then.Then.ScheduleRetry(scheduled);
            if (then is null)
                policy.MoveToErrorQueue();
            else
                then.Then.MoveToErrorQueue();
        }
    }
}
