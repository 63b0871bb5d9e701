using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SCOFacts.EventStore;
using SCOFacts.EventStore.Projections;

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

    /// <summary>How often the asynchronous projections' lag is sampled for the lag gauges.</summary>
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
    public static IReadOnlyList<string> ActivitySources { get; } = [ScoFactsMetrics.MeterName];

    /// <summary>The meters exported beyond ASP.NET Core's, HttpClient's, Npgsql's and the runtime's. Add a library's here.</summary>
    public static IReadOnlyList<string> Meters { get; } = [ScoFactsMetrics.MeterName, EventStoreMetrics.MeterName];

    public static WebApplicationBuilder AddScoFactsTelemetry(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(TelemetryOptions.Section);
        builder.Services.AddOptions<TelemetryOptions>().Bind(section);
        var settings = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        builder.Services.TryAddSingleton<ScoFactsMetrics>();

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(settings.ServiceName))
            .WithTracing(tracing => tracing
                .AddSource([.. ActivitySources])
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsScrapeOrProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter([.. Meters])
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddPrometheusExporter());

        // One switch for traces and metrics alike: our key, else the standard variable the exporter reads itself.
        if (!string.IsNullOrWhiteSpace(settings.OtlpEndpoint))
        {
            var protocol = string.Equals(settings.OtlpProtocol, "http/protobuf", StringComparison.OrdinalIgnoreCase)
                ? OtlpExportProtocol.HttpProtobuf
                : OtlpExportProtocol.Grpc;
            telemetry.UseOtlpExporter(protocol, new Uri(settings.OtlpEndpoint));
        }
        else if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }
        return builder;
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

/// <summary>
/// The application's own instruments: refused commands, rate-limited requests, requests refused because the database
/// was away, local-cluster restarts, background verifications of the log, and the asynchronous projections' lag.
/// </summary>
public sealed class ScoFactsMetrics : IDisposable
{
    /// <summary>The name of the application's meter (and of its activity source).</summary>
    public const string MeterName = "SCOFacts.Api";

    private readonly Meter _meter;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _databaseUnavailable;
    private readonly Counter<long> _clusterRestarts;
    private readonly Counter<long> _verifications;
    private volatile IReadOnlyList<ProjectionStatus> _projections = [];

    public ScoFactsMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _rejected = _meter.CreateCounter<long>("scofacts.commands.rejected", "{command}",
            "Commands refused by a domain rule, by reason (the problem's code, e.g. claim-exists) and kind (validation-failed, not-found, conflict).");
        _rateLimited = _meter.CreateCounter<long>("scofacts.requests.rate_limited", "{request}",
            "Requests answered 429 because their client used up its budget, by budget (read or write).");
        _databaseUnavailable = _meter.CreateCounter<long>("scofacts.requests.database_unavailable", "{request}",
            "Requests answered 503 because the database could not be reached.");
        _clusterRestarts = _meter.CreateCounter<long>("scofacts.local_cluster.restarts", "{restart}",
            "Times the supervised local PostgreSQL cluster was found dead and started again.");
        _verifications = _meter.CreateCounter<long>("scofacts.ledger.verifications", "{verification}",
            "Background verifications of the log, by outcome (valid, broken, or failed when it could not run).");
        _meter.CreateObservableGauge("scofacts.projection.lag.events", ObserveEventsBehind, "{event}",
            "Events committed after each asynchronous projection's checkpoint, by projection.");
        _meter.CreateObservableGauge("scofacts.projection.lag", ObserveSecondsBehind, "s",
            "How long ago the oldest event a projection has not applied was committed, by projection.");
    }

    public void CommandRejected(string reason, string kind) =>
        _rejected.Add(1, new TagList { { "reason", reason }, { "kind", kind } });

    public void RateLimited(string budget) => _rateLimited.Add(1, new TagList { { "budget", budget } });

    public void DatabaseUnavailable() => _databaseUnavailable.Add(1);

    public void LocalClusterRestarted() => _clusterRestarts.Add(1);

    public void LedgerVerified(string outcome) => _verifications.Add(1, new TagList { { "outcome", outcome } });

    /// <summary>The newest sample of the projections' progress, reported by the lag gauges until the next one.</summary>
    public void ReportProjections(IReadOnlyList<ProjectionStatus> projections) => _projections = projections;

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> ObserveEventsBehind() =>
        _projections.Select(p => new Measurement<long>(p.EventsBehind, new KeyValuePair<string, object?>("projection", p.Name)));

    private IEnumerable<Measurement<double>> ObserveSecondsBehind() =>
        _projections.Select(p => new Measurement<double>(p.SecondsBehind, new KeyValuePair<string, object?>("projection", p.Name)));
}
