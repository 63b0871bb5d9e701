using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace SCOFacts.Api.Platform;

/// <summary>Settings for rate limiting (section <c>RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Turns rate limiting off altogether.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The budget for GET, HEAD and OPTIONS.</summary>
    public RateLimitBudget Reads { get; set; } = new() { PermitLimit = 600, Window = TimeSpan.FromMinutes(1) };

    /// <summary>The budget for every other method.</summary>
    public RateLimitBudget Writes { get; set; } = new() { PermitLimit = 120, Window = TimeSpan.FromMinutes(1) };
}

/// <summary>A fixed-window budget: <see cref="PermitLimit"/> requests per <see cref="Window"/>.</summary>
public sealed class RateLimitBudget
{
    public int PermitLimit { get; set; }

    public TimeSpan Window { get; set; }
}

/// <summary>
/// Fixed-window limits per client, a budget for reads and a smaller one for writes. A client is its API key when
/// it sent a valid one, else its address. Health probes and metrics scrapes are never limited.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddScoFactsRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section);
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, configured) =>
        {
            var settings = configured.Value;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, settings));
            limiter.OnRejected = OnRejectedAsync;
        });
        return services;
    }

    private static RateLimitPartition<string> Partition(HttpContext context, RateLimitOptions settings)
    {
        if (!settings.Enabled || Telemetry.IsScrapeOrProbe(context.Request.Path))
            return RateLimitPartition.GetNoLimiter("unlimited");

        var isRead = IsRead(context.Request.Method);
        var client = context.User.Identity?.IsAuthenticated == true
            ? "key:" + context.User.ScoFactsPrincipalName()
            : "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        var budget = isRead ? settings.Reads : settings.Writes;
        return RateLimitPartition.GetFixedWindowLimiter(
            (isRead ? "read|" : "write|") + client,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = budget.PermitLimit, Window = budget.Window, QueueLimit = 0 });
    }

    private static bool IsRead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    private static async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var kind = ProblemKinds.RateLimited;
        context.RequestServices.GetRequiredService<ScoFactsMetrics>().RateLimited(IsRead(context.Request.Method) ? "read" : "write");
        context.Response.StatusCode = kind.Status;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Type = kind.Type,
                Title = kind.Title,
                Status = kind.Status,
                Detail = $"Too many requests; try again in {seconds} s.",
                Extensions = { ["retryAfterSeconds"] = seconds },
            },
        });
    }
}
