using System.Net;
using System.Net.Http.Json;

namespace SCOFacts.Api.Tests.Platform;

/// <summary>The platform with a tiny write budget and a larger read budget.</summary>
public sealed class RateLimitedFactory : PlatformFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["RateLimits:Enabled"] = "true";
        settings["RateLimits:Writes:PermitLimit"] = "2";
        settings["RateLimits:Writes:Window"] = "00:10:00";
        settings["RateLimits:Reads:PermitLimit"] = "5";
        settings["RateLimits:Reads:Window"] = "00:10:00";
    }
}

public sealed class RateLimitTests(RateLimitedFactory factory) : IClassFixture<RateLimitedFactory>
{
    [Fact]
    public async Task Writes_over_budget_get_429_problem_with_Retry_After_while_reads_and_other_keys_go_on()
    {
        for (var i = 0; i < 2; i++)
        {
            using var allowed = await factory.Editor.PostAsJsonAsync("/test/writes", new TestWrite("within budget"));
            Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        }

        using var refused = await factory.Editor.PostAsJsonAsync("/test/writes", new TestWrite("over budget"));
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate-limited");
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 600);

        // Reads have a budget of their own, and so has every other key.
        using var read = await factory.Editor.GetAsync("/problems/not-found");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var otherKey = await factory.Checker.PostAsJsonAsync("/test/writes", new TestWrite("another key"));
        Assert.Equal(HttpStatusCode.Created, otherKey.StatusCode);
        Assert.Equal(3, await factory.CountSideEffectsAsync());
    }

    [Fact]
    public async Task Anonymous_reads_are_limited_per_address_but_health_is_not()
    {
        HttpStatusCode last = HttpStatusCode.OK;
        for (var i = 0; i < 6 && last == HttpStatusCode.OK; i++)
        {
            using var response = await factory.Anonymous.GetAsync("/problems");
            last = response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, last);

        using var health = await factory.Anonymous.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
