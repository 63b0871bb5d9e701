using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace SCOFacts.Api.Platform;

/// <summary>
/// What a client cache needs on every read: an <c>ETag</c> for the representation, <c>304 Not Modified</c> when
/// <c>If-None-Match</c> names it, <c>Cache-Control</c>, and on lists a <c>Link: rel="next"</c> header.
/// </summary>
/// <remarks>
/// A resource's ETag is its stream version (what <c>If-Match</c> checks), but its representation can change at the
/// same version: a fact is reconciled with its sources' current reliabilities. So a read's ETag is the version and
/// a hash of the body, <c>"7.3f9a0c12d4e5b6a7"</c>; <c>If-Match</c> takes it (and the bare <c>"7"</c>) by its version.
/// Reads without a version get the hash alone. Streams (Server-Sent Events) are passed through untouched.
/// </remarks>
internal sealed class ReadCachingMiddleware(RequestDelegate next)
{
    /// <summary>Reads may be stored, but must be revalidated (cheaply, with If-None-Match) before reuse.</summary>
    internal const string ReadCacheControl = "no-cache";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) || context.GetEndpoint() is not { } endpoint || IsStream(endpoint))
        {
            await next(context);
            return;
        }

        var original = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        var response = context.Response;
        if (response.StatusCode == StatusCodes.Status200OK)
        {
            var body = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            // A body whose tag its endpoint worked out (once for many responses) is taken at its word, and is no page.
            var known = context.Features.Get<KnownRepresentation>();
            var etag = known?.ETag ?? RepresentationTag(VersionOf(response.Headers.ETag.ToString()), body);
            response.Headers.ETag = etag;
            if (response.Headers.CacheControl.Count == 0)
                response.Headers.CacheControl = ReadCacheControl;
            if (known is null && NextCursor(response.ContentType, body) is { } next)
                response.Headers.Link = $"<{NextPage(request, next)}>; rel=\"next\"";
            if (Matches(request.Headers.IfNoneMatch.ToString(), etag))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                response.ContentLength = null;
                response.Headers.ContentType = default;
                return;
            }
        }
        // The whole body is known, so it goes with its length rather than chunked.
        if (!response.HasStarted)
            response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    /// <summary>
    /// The ETag of a read whose body is <paramref name="body"/>: <c>"7.3f9a0c12d4e5b6a7"</c> for version 7, the hash alone
    /// without a version.
    /// </summary>
    internal static string RepresentationTag(long? version, ReadOnlySpan<byte> body)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(body))[..16];
        return "\"" + (version is { } v ? v.ToString(CultureInfo.InvariantCulture) + "." + hash : hash) + "\"";
    }

    private static bool IsStream(Endpoint endpoint) =>
        endpoint.Metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>()
            .Any(m => m.ContentTypes.Contains("text/event-stream", StringComparer.OrdinalIgnoreCase));

    /// <summary>The stream version in a version ETag (<c>"7"</c>), or null.</summary>
    private static long? VersionOf(string etag) =>
        etag.Length > 2 && etag[0] == '"' && etag[^1] == '"' && long.TryParse(etag.AsSpan(1, etag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : null;

    // If-None-Match compares weakly (RFC 9110 13.1.2): W/ prefixes are ignored; "*" matches any current representation.
    private static bool Matches(string ifNoneMatch, string etag)
    {
        if (string.IsNullOrWhiteSpace(ifNoneMatch)) return false;
        foreach (var raw in ifNoneMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var tag = raw.StartsWith("W/", StringComparison.Ordinal) ? raw[2..] : raw;
            if (tag == "*" || tag == etag) return true;
        }
        return false;
    }

    /// <summary>A list's <c>nextCursor</c>, read from its JSON body.</summary>
    private static string? NextCursor(string? contentType, ReadOnlySpan<byte> body)
    {
        if (contentType is null || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) || body.Length == 0 || body[0] != (byte)'{')
            return null;
        try
        {
            var reader = new Utf8JsonReader(body);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isNext = reader.ValueTextEquals("nextCursor"u8);
                reader.Read();
                if (isNext) return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not a page after all.
        }
        return null;
    }

    /// <summary>The same request with <c>cursor</c> set to the next page (and the feed's old <c>after</c> dropped).</summary>
    private static string NextPage(HttpRequest request, string cursor)
    {
        var query = request.Query
            .Where(q => q.Key is not (QueryParameters.Cursor or "after"))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .Append(new(QueryParameters.Cursor, cursor));
        return QueryHelpers.AddQueryString(request.PathBase + request.Path, query);
    }
}

/// <summary>
/// Marks a read's body as one whose ETag (from <see cref="ReadCachingMiddleware.RepresentationTag(long?, ReadOnlySpan{byte})"/>)
/// its endpoint already knows, and that is not a page: the middleware takes the tag as it is rather than hashing the body
/// again, and looks for no cursor in it.
/// </summary>
internal sealed class KnownRepresentation(string etag)
{
    public string ETag { get; } = etag;
}

/// <summary>Setting a read's known representation tag.</summary>
internal static class KnownRepresentationExtensions
{
    /// <summary>Sets <c>ETag</c> to <paramref name="etag"/>, a tag made by <see cref="ReadCachingMiddleware.RepresentationTag(long?, ReadOnlySpan{byte})"/> for the body this response carries.</summary>
    public static void SetKnownRepresentation(this HttpResponse response, string etag)
    {
        response.Headers.ETag = etag;
        response.HttpContext.Features.Set(new KnownRepresentation(etag));
    }
}
