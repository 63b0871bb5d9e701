using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace SCOFacts.Api.Platform;

/// <summary>Limits on a request's target and headers (section <c>Limits</c>, beside <see cref="RequestLimitOptions"/>).</summary>
public sealed class RequestShapeOptions
{
    /// <summary>The same section as the body limit.</summary>
    public const string Section = RequestLimitOptions.Section;

    /// <summary>The longest request target (path and query) accepted, in bytes; longer ones get 414 <c>uri-too-long</c>.</summary>
    public int MaxRequestTargetBytes { get; set; } = 8 * 1024;

    /// <summary>The most header bytes (names and values) accepted; more get 431 <c>headers-too-large</c>.</summary>
    public int MaxRequestHeadersBytes { get; set; } = 32 * 1024;

    /// <summary>The most header fields accepted; more get 431 <c>headers-too-large</c>.</summary>
    public int MaxRequestHeaderCount { get; set; } = 100;
}

/// <summary>The problem kinds of a request refused for its shape, before it reaches an endpoint.</summary>
public static class RequestShapeProblems
{
    public static ProblemKind UriTooLong { get; } = new("uri-too-long", StatusCodes.Status414UriTooLong, "The request target is too long",
        "The path and query string together exceed the length the API accepts. Shorten the query (fewer or shorter parameters).");

    public static ProblemKind HeadersTooLarge { get; } = new("headers-too-large", StatusCodes.Status431RequestHeaderFieldsTooLarge, "The request headers are too large",
        "The request's headers together exceed the size the API accepts. Send fewer or shorter headers (cookies, say).");
}

/// <summary>
/// Kestrel answers a request line or headers over its limits with an empty body, before any middleware runs.
/// So Kestrel's own limits are raised well above the API's, and this middleware, first in the pipeline, refuses
/// what exceeds the API's limits with a problem. Only a request beyond Kestrel's raised limits (8 times as large)
/// still gets Kestrel's bare answer.
/// </summary>
internal sealed class RequestShapeMiddleware(RequestDelegate next, IOptions<RequestShapeOptions> options, IProblemDetailsService problems)
{
    /// <summary>How far above the API's limits Kestrel's own are set.</summary>
    internal const int KestrelHeadroom = 8;

    public async Task InvokeAsync(HttpContext context)
    {
        var limits = options.Value;
        // Kestrel gives the target as sent; other servers (the test host) may not, and then it is rebuilt.
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw
            : context.Request.PathBase.Value + context.Request.Path.Value + context.Request.QueryString.Value;
        if (target.Length > limits.MaxRequestTargetBytes)
        {
            await RefuseAsync(context, RequestShapeProblems.UriTooLong, $"The request target is {target.Length} bytes long; the limit is {limits.MaxRequestTargetBytes}.");
            return;
        }
        if (context.Request.Headers.Count > limits.MaxRequestHeaderCount)
        {
            await RefuseAsync(context, RequestShapeProblems.HeadersTooLarge, $"The request has {context.Request.Headers.Count} header fields; the limit is {limits.MaxRequestHeaderCount}.");
            return;
        }
        var headerBytes = 0L;
        foreach (var header in context.Request.Headers)
            headerBytes += header.Key.Length + header.Value.Sum(v => (long)(v?.Length ?? 0));
        if (headerBytes > limits.MaxRequestHeadersBytes)
        {
            await RefuseAsync(context, RequestShapeProblems.HeadersTooLarge, $"The request headers hold {headerBytes} bytes; the limit is {limits.MaxRequestHeadersBytes}.");
            return;
        }
        await next(context);
    }

    private async Task RefuseAsync(HttpContext context, ProblemKind kind, string detail)
    {
        context.Response.StatusCode = kind.Status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails { Type = kind.Type, Title = kind.Title, Status = kind.Status, Detail = detail },
        });
    }
}

/// <summary>Registers the request-shape limits and raises Kestrel's own above them.</summary>
public static class RequestShapeSetup
{
    public static WebApplicationBuilder AddScoFactsRequestShape(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RequestShapeOptions>().BindConfiguration(RequestShapeOptions.Section);
        builder.Services.AddProblemKind(RequestShapeProblems.UriTooLong);
        builder.Services.AddProblemKind(RequestShapeProblems.HeadersTooLarge);
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestShapeOptions>>((kestrel, shape) =>
        {
            kestrel.Limits.MaxRequestLineSize = Math.Max(kestrel.Limits.MaxRequestLineSize, shape.Value.MaxRequestTargetBytes * KestrelHeadroomFactor);
            kestrel.Limits.MaxRequestHeadersTotalSize = Math.Max(kestrel.Limits.MaxRequestHeadersTotalSize, shape.Value.MaxRequestHeadersBytes * KestrelHeadroomFactor);
            kestrel.Limits.MaxRequestHeaderCount = Math.Max(kestrel.Limits.MaxRequestHeaderCount, shape.Value.MaxRequestHeaderCount * KestrelHeadroomFactor);
        });
        return builder;
    }

    private const int KestrelHeadroomFactor = RequestShapeMiddleware.KestrelHeadroom;
}
