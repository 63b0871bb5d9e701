using System.Globalization;
using System.Security.Claims;
using SCOFacts.Domain;
using SCOFacts.Domain.Values;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Http;

/// <summary>What every write endpoint does the same way: metadata, preconditions, refusals, time-axis parameters.</summary>
public static class WriteSupport
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string CorrelationHeader = "X-Correlation-Id";

    /// <summary>Who asked, for which request: recorded with every event the request causes.</summary>
    public static EventMetadata MetadataFor(HttpContext context, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var correlation = context.Request.Headers[CorrelationHeader].FirstOrDefault() is { Length: > 0 and <= 100 } c ? c : context.TraceIdentifier;
        var key = context.Request.Headers[IdempotencyHeader].FirstOrDefault();
        return new EventMetadata(PrincipalName(context.User), correlation, CausationId: null,
            IdempotencyKey: string.IsNullOrEmpty(key) ? null : key, Reason: reason);
    }

    public static string PrincipalName(ClaimsPrincipal user) => user?.Identity?.Name ?? "anonymous";

    /// <summary>A domain refusal as a problem: 422 for bad input, 404 for a missing thing, 409 for a state conflict.</summary>
    public static IResult Problem(Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        var (status, type, title) = rejection.Kind switch
        {
            RejectionKind.NotFound => (StatusCodes.Status404NotFound, "not-found", "Not found"),
            RejectionKind.Conflict => (StatusCodes.Status409Conflict, "conflict", "Conflicts with the current state"),
            _ => (StatusCodes.Status422UnprocessableEntity, "validation-failed", "The request is not valid"),
        };
        return TypedResults.Problem(rejection.Message, statusCode: status, title: title, type: "/problems/" + type,
            extensions: new Dictionary<string, object?> { ["code"] = rejection.Code });
    }

    public static IResult NotFound(string what) =>
        TypedResults.Problem(what, statusCode: StatusCodes.Status404NotFound, title: "Not found", type: "/problems/not-found");

    public static IResult BadRequest(string detail, string code) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Malformed request", type: "/problems/malformed-request",
            extensions: new Dictionary<string, object?> { ["code"] = code });

    /// <summary>Required fields missing or empty: 422 with the field names.</summary>
    public static IResult? Missing(params (string Name, object? Value)[] fields)
    {
        var missing = fields.Where(f => f.Value is null || (f.Value is string s && string.IsNullOrWhiteSpace(s))).Select(f => f.Name).ToList();
        return missing.Count == 0 ? null : TypedResults.ValidationProblem(
            missing.ToDictionary(m => m, m => new[] { $"'{m}' is required." }),
            detail: $"Missing: {string.Join(", ", missing)}.", title: "The request is not valid", type: "/problems/validation-failed");
    }

    /// <summary>
    /// The stream version an If-Match header pins (<c>"7"</c> or <c>W/"7"</c>); null when absent.
    /// False when the header is malformed.
    /// </summary>
    public static bool TryIfMatch(HttpContext context, out ExpectedVersion? expected)
    {
        ArgumentNullException.ThrowIfNull(context);
        expected = null;
        var header = context.Request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header) || header.Trim() == "*") return true;
        var text = header.Trim();
        if (text.StartsWith("W/", StringComparison.Ordinal)) text = text[2..];
        if (text.Length < 3 || text[0] != '"' || text[^1] != '"') return false;
        if (!long.TryParse(text[1..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var version)) return false;
        expected = ExpectedVersion.Exact(version);
        return true;
    }

    public static IResult MalformedIfMatch() =>
        BadRequest("If-Match must be a quoted stream version, e.g. \"7\", as the ETag gave it.", "malformed-if-match");

    public static IResult PreconditionFailed(ConcurrencyException e) =>
        TypedResults.Problem($"The resource is at version {e.ActualVersion}; your If-Match said {e.Expected}. Read it again and retry.",
            statusCode: StatusCodes.Status412PreconditionFailed, title: "The resource has changed", type: "/problems/concurrency-conflict",
            extensions: new Dictionary<string, object?> { ["currentVersion"] = e.ActualVersion });

    public static void SetETag(HttpContext context, long version)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.ETag = $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";
    }

    /// <summary>Parses <c>validAt</c> (a partial ISO date: 2017, 2017-06, 2017-06-09; a year or month means its first day).</summary>
    public static bool TryValidAt(string? text, out DateOnly? validAt)
    {
        validAt = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!PartialDate.TryParse(text, out var date)) return false;
        validAt = date.Start;
        return true;
    }

    /// <summary>Parses <c>knownAt</c>: an ISO 8601 timestamp with an offset, or a date (its midnight UTC).</summary>
    public static bool TryKnownAt(string? text, out DateTimeOffset? knownAt)
    {
        knownAt = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return false;
        knownAt = at;
        return true;
    }

    /// <summary>Validates the two time-axis parameters, or says which is malformed.</summary>
    public static IResult? TryTimeAxes(string? validAtText, string? knownAtText, out DateOnly? validAt, out DateTimeOffset? knownAt)
    {
        knownAt = null;
        if (!TryValidAt(validAtText, out validAt))
            return BadRequest($"validAt '{validAtText}' is not a date (use 2017, 2017-06 or 2017-06-09).", "malformed-valid-at");
        if (!TryKnownAt(knownAtText, out knownAt))
            return BadRequest($"knownAt '{knownAtText}' is not an ISO 8601 timestamp (e.g. 2026-01-31T12:00:00Z).", "malformed-known-at");
        return null;
    }

    /// <summary>Page size: 1..100, 20 by default.</summary>
    public static IResult? TryPage(int? limit, string? cursor, out int size, out string? after)
    {
        size = limit ?? 20;
        after = null;
        if (size is < 1 or > 100) return BadRequest("limit must be between 1 and 100.", "malformed-limit");
        return ReadModels.Cursor.TryDecode(cursor, out after) ? null : BadRequest("The cursor is not one this API issued.", "malformed-cursor");
    }

    /// <summary>A new id for a claim or dispute when the client did not choose one: time-ordered, unique.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.CreateVersion7():N}";
}
