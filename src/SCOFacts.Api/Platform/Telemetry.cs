using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SCOFacts.EventStore;
using SCOFacts.Api.Storage;

namespace SCOFacts.Api.Platform;

/// <summary>Settings for traces and metrics (section <c>Telemetry</c>).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>The service name traces and metrics are reported under.</summary>
    public string ServiceName { get; set; } = "scofacts-api";

    /// <summary>
    /// An OTLP collector to export traces and metrics to (e.g. <c>http://127.0.0.1:4317</c>). Empty: export over
    /// OTLP only when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (the default) or <c>http/protobuf</c>, for <see cref="OtlpEndpoint"/>.</summary>
    public string? OtlpProtocol { get; set; }

    /// <summary>How often the asynchronous projections' lag and the dead letters are sampled for their gauges.</summary>
    public TimeSpan ProjectionLagInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// OpenTelemetry traces and metrics for ASP.NET Core, outgoing HTTP, Npgsql, the .NET runtime and our own meters,
/// scraped at <c>/metrics</c> (Prometheus text format) and exported over OTLP when a collector is configured.
/// </summary>
public static class Telemetry
{
    /// <summary>The application's own spans (background work such as verifying the log).</summary>
    public static ActivitySource ActivitySource { get; } = new(ScoFactsMetrics.MeterName);

    /// <summary>The path Prometheus scrapes.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// The activity sources traced beyond ASP.NET Core, HttpClient and Npgsql (which have their own registration).
    /// A library that publishes its own (an event store or message bus, say) adds its name here.
    /// </summary>
    public static IReadOnlyList<string> ActivitySources { get; } = [ScoFactsMetrics.MeterName, MartenTelemetryName, WolverineTelemetryName];

    /// <summary>The meters exported beyond ASP.NET Core's, HttpClient's, Npgsql's and the runtime's. Add a library's here.</summary>
    public static IReadOnlyList<string> Meters { get; } =
        [ScoFactsMetrics.MeterName, EventStoreMetrics.MeterName, MartenTelemetryName, WolverineTelemetryName + "*"];

    /// <summary>Marten's activity source and meter (connections, sessions, appended events, the daemon's progress).</summary>
    public const string MartenTelemetryName = "Marten";

    /// <summary>
    /// Wolverine's activity source; its meter is named after it and the service (<c>Wolverine:scofacts</c>), hence the
    /// wildcard among <see cref="Meters"/>. Message handling, execution failures, dead-lettering, outbox sends.
    /// </summary>
    public const string WolverineTelemetryName = "Wolverine";

    public static WebApplicationBuilder AddScoFactsTelemetry(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(TelemetryOptions.Section);
        builder.Services.AddOptions<TelemetryOptions>().Bind(section);
        var settings = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        builder.Services.TryAddSingleton<ScoFactsMetrics>();

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(settings.ServiceName))
            .WithTracing(tracing => tracing
                .AddSource([.. ActivitySources])
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsScrapeOrProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .Deferred((services, deferred) =>
                {
                    if (OtlpOptions(services, "traces") is { } otlp)
                        deferred.AddProcessor(new BatchActivityExportProcessor(new OtlpTraceExporter(otlp)));
                }))
            .WithMetrics(metrics => metrics
                .AddMeter([.. Meters])
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddPrometheusExporter()
                .Deferred((services, deferred) =>
                {
                    if (OtlpOptions(services, "metrics") is { } otlp)
                        deferred.AddReader(new PeriodicExportingMetricReader(new OtlpMetricExporter(otlp)));
                }));
        return builder;
    }

    // Runs once the service provider exists, when the host's configuration is final.
    private static TracerProviderBuilder Deferred(this TracerProviderBuilder builder, Action<IServiceProvider, TracerProviderBuilder> configure) =>
        builder is IDeferredTracerProviderBuilder deferred
            ? deferred.Configure(configure)
            : throw new InvalidOperationException("The tracer provider builder cannot defer configuration.");

    private static MeterProviderBuilder Deferred(this MeterProviderBuilder builder, Action<IServiceProvider, MeterProviderBuilder> configure) =>
        builder is IDeferredMeterProviderBuilder deferred
            ? deferred.Configure(configure)
            : throw new InvalidOperationException("The meter provider builder cannot defer configuration.");

    /// <summary>
    /// Where to export one signal over OTLP, or null when no collector is configured: <c>Telemetry:OtlpEndpoint</c>,
    /// else the standard <c>OTEL_EXPORTER_OTLP_*</c> variables. Decided when the providers are built, because a
    /// host's configuration may still change after the services are registered.
    /// </summary>
    private static OtlpExporterOptions? OtlpOptions(IServiceProvider services, string signal)
    {
        var settings = services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (!string.IsNullOrWhiteSpace(settings.OtlpEndpoint))
        {
            var http = string.Equals(settings.OtlpProtocol, "http/protobuf", StringComparison.OrdinalIgnoreCase);
            // Over HTTP an endpoint given in code is used as it is: the signal's path is ours to add.
            return new OtlpExporterOptions
            {
                Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc,
                Endpoint = new Uri(http ? $"{settings.OtlpEndpoint.TrimEnd('/')}/v1/{signal}" : settings.OtlpEndpoint),
            };
        }
        // The options read the standard variables themselves (and add the signal's path over HTTP).
        return string.IsNullOrWhiteSpace(services.GetRequiredService<IConfiguration>()["OTEL_EXPORTER_OTLP_ENDPOINT"]) ? null : new OtlpExporterOptions();
    }

    /// <summary><c>GET /metrics</c>: every exported meter in Prometheus' text format.</summary>
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPrometheusScrapingEndpoint(MetricsPath).ExcludeFromDescription();
        return routes;
    }

    /// <summary>Scrapes and health probes come every few seconds and say nothing about the API's use.</summary>
    internal static bool IsScrapeOrProbe(PathString path) =>
        path.StartsWithSegments(MetricsPath, StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The outcomes a webhook delivery attempt is counted under.</summary>
public static class WebhookOutcome
{
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string DeadLettered = "dead-lettered";
    public const string Dropped = "dropped";
}

/// <summary>The ledger's sealing lag at one moment: what the event log holds beyond the last sealed position.</summary>
/// <param name="UnsealedEvents">Events recorded after the last position the ledger covers.</param>
/// <param name="OldestUnsealedAge">How long ago the oldest of them was recorded; zero when there is none.</param>
public sealed record SealingLagSample(long UnsealedEvents, TimeSpan OldestUnsealedAge);

/// <summary>
/// The application's own instruments: refused commands, rate-limited requests, requests refused because the database
/// was away, local-cluster restarts, background verifications of the log, the asynchronous projections' lag and the ledger's sealing lag.
/// </summary>
/// <remarks>
/// One meter per process, as a library's would be: telemetry pipelines subscribe to meters by name, so two meters of
/// one name (two hosts in one test process, each with its own) would be taken for one and report each other's values.
/// </remarks>
public sealed class ScoFactsMetrics
{
    /// <summary>The name of the application's meter (and of its activity source).</summary>
    public const string MeterName = "SCOFacts.Api";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("scofacts.commands.rejected", "{command}",
        "Commands refused by a domain rule, by reason (the problem's code, e.g. claim-exists) and kind (validation-failed, not-found, conflict).");

    private static readonly Counter<long> RateLimitedRequests = Meter.CreateCounter<long>("scofacts.requests.rate_limited", "{request}",
        "Requests answered 429 because their client used up its budget, by budget (read or write).");

    private static readonly Counter<long> DatabaseUnavailableRequests = Meter.CreateCounter<long>("scofacts.requests.database_unavailable", "{request}",
        "Requests answered 503 because the database could not be reached.");

    private static readonly Counter<long> ClusterRestarts = Meter.CreateCounter<long>("scofacts.local_cluster.restarts", "{restart}",
        "Times the supervised local PostgreSQL cluster was found dead and started again.");

    private static readonly Counter<long> WebhookAttempts = Meter.CreateCounter<long>("scofacts.webhooks.deliveries", "{attempt}",
        "Webhook delivery attempts by outcome: delivered; failed, to be tried again; dead-lettered, the last attempt failed; dropped, the subscription was deleted.");

    private static readonly Histogram<int> StoredReadCallers = Meter.CreateHistogram<int>("scofacts.reads.stored.callers", "{request}",
        "Requests answered by one database read of a fact's stored answer: reads of one fact arriving together share one.");

    private static IReadOnlyList<ProjectionStatus> _projections = [];
    private static IReadOnlyList<(string MessageType, long Count)> _deadLetters = [];
    private static SealingLagSample? _sealingLag;

    static ScoFactsMetrics()
    {
        Meter.CreateObservableGauge("scofacts.projection.lag.events", ObserveEventsBehind, "{event}",
            "Events stored after the last one each asynchronous projection on Marten's daemon has taken, by projection.");
        Meter.CreateObservableGauge("scofacts.projection.lag", ObserveSecondsBehind, "s",
            "How long ago the oldest event a projection has not applied was committed, by projection.");
        Meter.CreateObservableGauge("scofacts.ledger.sealing_lag.events", ObserveUnsealedEvents, "{event}",
            "Events in the event log not yet sealed as leaves of the ledger.");
        Meter.CreateObservableGauge("scofacts.ledger.sealing_lag", ObserveSealingLagSeconds, "s",
            "How long ago the oldest event not yet sealed in the ledger was recorded (0 when every event is sealed).");
        Meter.CreateObservableGauge("scofacts.dead_letters", ObserveDeadLetters, "{message}",
            "Messages held in the dead letters after their last attempt failed, by message type; an editor can replay them.");
    }

    public void CommandRejected(string reason, string kind) =>
        Rejected.Add(1, new TagList { { "reason", reason }, { "kind", kind } });

    public void RateLimited(string budget) => RateLimitedRequests.Add(1, new TagList { { "budget", budget } });

    public void DatabaseUnavailable() => DatabaseUnavailableRequests.Add(1);

    public void LocalClusterRestarted() => ClusterRestarts.Add(1);

    /// <summary>Records one database read of a stored answer, which answered <paramref name="callers"/> requests.</summary>
    public void StoredAnswerRead(int callers) => StoredReadCallers.Record(callers);

    /// <summary>Counts one webhook delivery attempt by its outcome (see <see cref="WebhookOutcome"/>).</summary>
    public void WebhookDelivery(string outcome) => WebhookAttempts.Add(1, new TagList { { "outcome", outcome } });

    /// <summary>The newest count of dead letters by message type, reported by the dead-letter gauge until the next one.</summary>
    public void ReportDeadLetters(IReadOnlyList<(string MessageType, long Count)> deadLetters) => Volatile.Write(ref _deadLetters, deadLetters);

    /// <summary>The newest sample of the projections' progress, reported by the lag gauges until the next one.</summary>
    public void ReportProjections(IReadOnlyList<ProjectionStatus> projections) => Volatile.Write(ref _projections, projections);

    /// <summary>The newest sample of the ledger's sealing lag, reported by the sealing-lag gauges until the next one.</summary>
    public void ReportSealingLag(SealingLagSample sample) => Volatile.Write(ref _sealingLag, sample);

    private static IEnumerable<Measurement<long>> ObserveDeadLetters() =>
        Volatile.Read(ref _deadLetters).Select(d => new Measurement<long>(d.Count, new KeyValuePair<string, object?>("message_type", d.MessageType)));

    private static IEnumerable<Measurement<long>> ObserveUnsealedEvents() =>
        Volatile.Read(ref _sealingLag) is { } lag ? [new Measurement<long>(lag.UnsealedEvents)] : [];

    private static IEnumerable<Measurement<double>> ObserveSealingLagSeconds() =>
        Volatile.Read(ref _sealingLag) is { } lag ? [new Measurement<double>(lag.OldestUnsealedAge.TotalSeconds)] : [];

    private static IEnumerable<Measurement<long>> ObserveEventsBehind() =>
        Volatile.Read(ref _projections).Select(p => new Measurement<long>(p.EventsBehind, new KeyValuePair<string, object?>("projection", p.Name)));

    private static IEnumerable<Measurement<double>> ObserveSecondsBehind() =>
        Volatile.Read(ref _projections).Select(p => new Measurement<double>(p.SecondsBehind, new KeyValuePair<string, object?>("projection", p.Name)));
}
