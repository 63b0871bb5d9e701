using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace SCOFacts.Api.Platform;

/// <summary>Settings for request bodies (section <c>Limits</c>).</summary>
public sealed class RequestLimitOptions
{
    public const string Section = "Limits";

    /// <summary>The largest request body accepted, in bytes; larger ones get 413 <c>request-too-large</c>.</summary>
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;
}

/// <summary>
/// Refuses oversized bodies before anything reads them. Kestrel's own limit is not enough: it fails the body read
/// midway, and minimal APIs treat a failed read as a vanished client rather than answering 413. A declared
/// Content-Length is checked up front; a chunked body is read into memory up to the limit.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<RequestLimitOptions> options, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = options.Value.MaxRequestBodyBytes;
        var request = context.Request;
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        // Kestrel's own check stays as a backstop at the same size (its failure also ends up as a 413 problem).
        if (sizeFeature is { IsReadOnly: false })
            sizeFeature.MaxRequestBodySize = limit;

        if (request.ContentLength is { } length)
        {
            if (length > limit)
            {
                await RefuseAsync(context, limit);
                return;
            }
        }
        else if (CanHaveBody(context))
        {
            var buffer = new MemoryStream();
            context.Response.RegisterForDisposeAsync(buffer);
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    await RefuseAsync(context, limit);
                    return;
                }
                buffer.Write(chunk, 0, read);
            }
            buffer.Position = 0;
            request.Body = buffer;
            request.ContentLength = buffer.Length;
        }
        await next(context);
    }

    // A body without a declared length: chunked in HTTP/1.1, or simply unannounced in HTTP/2 and 3.
    private static bool CanHaveBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody
        ?? context.Request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase);

    private async Task RefuseAsync(HttpContext context, long limit)
    {
        var kind = ProblemKinds.RequestTooLarge;
        context.Response.StatusCode = kind.Status;
        // The rest of the body is not read; the connection is not worth keeping for it.
        context.Response.Headers.Connection = "close";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Type = kind.Type,
                Title = kind.Title,
                Status = kind.Status,
                Detail = $"The request body exceeds the limit of {limit} bytes.",
                Extensions = { ["limitBytes"] = limit },
            },
        });
    }
}
