using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using SCOFacts.Api.Tests.Seeding;
using SCOFacts.Testing;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.Operations;

/// <summary>The app with rate limiting on: three anonymous reads a minute, and writes enough for the test.</summary>
public sealed class MetricsFactory : ApiFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["RateLimits:Enabled"] = "true";
        settings["RateLimits:Reads:PermitLimit"] = "3";
        settings["RateLimits:Reads:Window"] = "00:10:00";
        settings["RateLimits:Writes:PermitLimit"] = "1000";
        settings["Telemetry:ProjectionLagInterval"] = "00:00:00.2";
    }
}

/// <summary>
/// Alone, not beside other test classes: ASP.NET Core creates its meters per host, and a telemetry pipeline that
/// subscribes by meter name takes another live host's instruments for its own; in production there is one host.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SingleHostCollection
{
    public const string Name = "single host";
}

/// <summary><c>/metrics</c> serves our own meters, ASP.NET Core's per route and status, and Npgsql's, and they move with traffic.</summary>
[Collection(SingleHostCollection.Name)]
public sealed class MetricsTests(MetricsFactory factory) : IClassFixture<MetricsFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Metrics_serves_our_meters_and_they_move_with_traffic()
    {
        await RegisterSourceAsync(factory, "mt-wire", "Wire");
        await DefineQuantityAsync(factory, "mt.share", "percent");
        var before = Prometheus.Sum(await Prometheus.ScrapeAsync(factory.Anonymous), "scofacts_events_appended_total", "stream_type=\"fact\"") ?? 0;

        await RecordAsync(factory.Checker, "mt.share", "mt-1", "mt-wire", Quantity("44", "percent"), At("2025"));
        // The same claim id in another fact: refused by the rule that claim ids are unique.
        await DefineQuantityAsync(factory, "mt.other", "percent");
        await PostAsync(factory.Checker, "/api/facts/mt.other/claims", new
        {
            id = "mt-1", sourceId = "mt-wire", value = Quantity("1", "percent"), validTime = At("2025"), quote = "Words.",
        }, HttpStatusCode.Conflict);
        // The anonymous read budget is three: the fourth read is refused.
        var reads = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await factory.Anonymous.GetAsync(new Uri("/api/facts/mt.share", UriKind.Relative));
            reads.Add(response.StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, reads[^1]);

        string scrape = "";
        await Wait.UntilAsync(async () =>
        {
            scrape = await Prometheus.ScrapeAsync(factory.Anonymous);
            return Prometheus.Sum(scrape, "scofacts_events_appended_total", "stream_type=\"fact\"") >= before + 1
                && Prometheus.Sum(scrape, "scofacts_projection_lag_events", "projection=") is not null;
        }, Patience, "/metrics shows the appended claim and the projections' lag");

        Assert.True(Prometheus.Sum(scrape, "scofacts_commands_rejected_total", "reason=\"claim-exists\"", "kind=\"conflict\"") >= 1, scrape);
        Assert.True(Prometheus.Sum(scrape, "scofacts_requests_rate_limited_total", "budget=\"read\"") >= 1, scrape);
        Assert.True(Prometheus.Sum(scrape, "http_server_request_duration_seconds_count",
            "http_route=\"/api/facts/{factId}/claims\"", "http_response_status_code=\"201\"") >= 1, scrape);
        Assert.True(Prometheus.Sum(scrape, "http_server_request_duration_seconds_count", "http_response_status_code=\"429\"") >= 1, scrape);
        Assert.NotNull(Prometheus.Sum(scrape, "scofacts_projection_lag_seconds", "projection="));
        // The plain reads above went to the database: at least one read, answering at least one request each.
        Assert.True(Prometheus.Sum(scrape, "scofacts_reads_stored_callers_count") >= 1, scrape);
        Assert.True(Prometheus.Sum(scrape, "scofacts_reads_stored_callers_sum") >= Prometheus.Sum(scrape, "scofacts_reads_stored_callers_count"), scrape);
        Assert.Contains("db_client_", scrape, StringComparison.Ordinal);
        AssertDashboardQueriesExist(scrape);
    }

    // The shipped Grafana dashboard queries only metrics and labels /metrics serves. Two counters appear only once
    // they have counted something, which needs an outage: KillPostmasterTests sees them move. The webhook and
    // dead-letter series need a failing receiver: WebhookTests sees them, with their labels.
    private static void AssertDashboardQueriesExist(string scrape)
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "grafana-dashboard.json")));
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .ToList();
        Assert.NotEmpty(queries);
        string[] countedElsewhere = ["scofacts_local_cluster_restarts_total", "scofacts_requests_database_unavailable_total",
            "scofacts_webhooks_deliveries_total", "scofacts_dead_letters"];
        foreach (var query in queries)
        {
            foreach (var name in Regex.Matches(query, @"\b(?:scofacts|http_server|db_client)_\w+(?=\{)").Select(m => m.Value).Where(n => !countedElsewhere.Contains(n)))
                Assert.True(scrape.Contains(name + "{", StringComparison.Ordinal), $"The dashboard queries {name}, which /metrics does not serve.");
            if (countedElsewhere.Any(n => query.Contains(n, StringComparison.Ordinal)))
                continue;
            foreach (var label in Regex.Matches(query, @"by \(([^)]*)\)").SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries)).Where(l => l != "le"))
                Assert.True(scrape.Contains(label + "=\"", StringComparison.Ordinal), $"The dashboard groups by {label}, which no served metric carries.");
        }
    }
}
