using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Tests.Platform;

public sealed class HealthTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Live_answers_200()
    {
        using var response = await factory.Anonymous.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Ready_reports_the_database_and_the_migrations()
    {
        using var response = await factory.Anonymous.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("Healthy", checks["database"]);
        Assert.Equal("Healthy", checks["migrations"]);
    }
}

/// <summary>The platform plus a readiness check that fails, as a lagging projection daemon's would.</summary>
public sealed class LaggingFactory : PlatformFactory
{
    protected override void ConfigureTestServices(IServiceCollection services)
    {
        base.ConfigureTestServices(services);
        services.AddReadinessCheck<LaggingCheck>("lagging");
    }

    private sealed class LaggingCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(HealthCheckResult.Unhealthy("The daemon is 10 minutes behind."));
    }
}

public sealed class ReadinessContributorTests(LaggingFactory factory) : IClassFixture<LaggingFactory>
{
    [Fact]
    public async Task A_failing_registered_check_makes_ready_503_but_live_stays_200()
    {
        using var ready = await factory.Anonymous.GetAsync("/health/ready");
        using var live = await factory.Anonymous.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        var lagging = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "lagging");
        Assert.Equal("Unhealthy", lagging.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
