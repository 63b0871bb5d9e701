namespace SCOFacts.Api.Platform;

/// <summary>One kind of error: its stable code (the last segment of its <c>type</c> URI), status and description.</summary>
/// <param name="Code">A lower-case, hyphenated code, e.g. <c>not-found</c>.</param>
/// <param name="Status">The HTTP status the error is answered with.</param>
/// <param name="Title">The short, fixed title every problem of this kind carries.</param>
/// <param name="Description">What the error means and what a client can do about it, served at <c>/problems/{code}</c>.</param>
public sealed record ProblemKind(string Code, int Status, string Title, string Description)
{
    /// <summary>The problem <c>type</c>: a URI relative to the API's base, which resolves to this kind's description.</summary>
    public string Type => ProblemKinds.TypeFor(Code);
}

/// <summary>
/// The error kinds the platform itself answers with. Endpoints may register their own with
/// <see cref="ProblemKindsExtensions.AddProblemKind"/>, so that <c>GET /problems/{code}</c> describes them too.
/// </summary>
public static class ProblemKinds
{
    public const string TypePrefix = "/problems/";

    public static string TypeFor(string code) => TypePrefix + code;

    public static ProblemKind ValidationFailed { get; } = new("validation-failed", StatusCodes.Status422UnprocessableEntity, "The request is not valid",
        "The request was well-formed but some of its values were rejected. The 'errors' member maps each offending field to the reasons; fix them and send the request again.");

    public static ProblemKind MalformedRequest { get; } = new("malformed-request", StatusCodes.Status400BadRequest, "The request is malformed",
        "The request could not be read: invalid JSON, a route or query value of the wrong type, a missing required value, or a malformed header. The 'detail' member says which.");

    public static ProblemKind NotFound { get; } = new("not-found", StatusCodes.Status404NotFound, "Not found",
        "No resource exists at this address, or the address is not one the API serves.");

    public static ProblemKind MethodNotAllowed { get; } = new("method-not-allowed", StatusCodes.Status405MethodNotAllowed, "Method not allowed",
        "The resource exists but does not support this HTTP method.");

    public static ProblemKind Conflict { get; } = new("conflict", StatusCodes.Status409Conflict, "Conflict",
        "The request conflicts with the current state of the resource (it already exists, or its state does not allow this change). Read the resource again before deciding what to do.");

    public static ProblemKind ConcurrencyConflict { get; } = new("concurrency-conflict", StatusCodes.Status412PreconditionFailed, "The resource has changed",
        "The If-Match header named a version (ETag) that is no longer current: someone else changed the resource. Read it again, reapply your change and send it with the new ETag.");

    public static ProblemKind Unauthorized { get; } = new("unauthorized", StatusCodes.Status401Unauthorized, "Authentication required",
        "This operation needs an API key, sent as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'. The key was missing, unknown or revoked.");

    public static ProblemKind Forbidden { get; } = new("forbidden", StatusCodes.Status403Forbidden, "Not allowed for this role",
        "The API key is valid but its role (checker, editor or auditor) does not allow this operation.");

    public static ProblemKind RateLimited { get; } = new("rate-limited", StatusCodes.Status429TooManyRequests, "Too many requests",
        "The client has used up its request budget for now. Wait for the number of seconds in the Retry-After header before trying again.");

    public static ProblemKind IdempotencyKeyReused { get; } = new("idempotency-key-reused", StatusCodes.Status422UnprocessableEntity, "Idempotency key reused for another request",
        "This Idempotency-Key was already used with a different request (method, path or body). Use a new key for a new request; reuse a key only to retry the very same request.");

    public static ProblemKind IdempotencyInProgress { get; } = new("idempotency-in-progress", StatusCodes.Status409Conflict, "The first request with this idempotency key is still running",
        "Another request with the same Idempotency-Key has not finished yet. Retry the same request later to receive its result.");

    public static ProblemKind RequestTooLarge { get; } = new("request-too-large", StatusCodes.Status413PayloadTooLarge, "The request body is too large",
        "The request body exceeds the size the API accepts. Send a smaller body.");

    public static ProblemKind UnsupportedMediaType { get; } = new("unsupported-media-type", StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
        "The request body's Content-Type is not one this operation accepts; send 'application/json'.");

    public static ProblemKind Internal { get; } = new("internal", StatusCodes.Status500InternalServerError, "Internal error",
        "The server failed to handle the request. Nothing about the failure is disclosed; quote the traceId when reporting it. The request may be retried.");

    public static ProblemKind ServiceUnavailable { get; } = new("service-unavailable", StatusCodes.Status503ServiceUnavailable, "Service unavailable",
        "The service cannot handle the request right now: its database is unreachable, restarting or recovering. Retry after the number of seconds in the Retry-After header; a write retried with the same Idempotency-Key takes effect once.");

    /// <summary>Every platform kind, in the order the API documents them.</summary>
    public static IReadOnlyList<ProblemKind> Platform { get; } =
    [
        ValidationFailed, MalformedRequest, NotFound, MethodNotAllowed, Conflict, ConcurrencyConflict, Unauthorized, Forbidden,
        RateLimited, IdempotencyKeyReused, IdempotencyInProgress, RequestTooLarge, UnsupportedMediaType, Internal, ServiceUnavailable,
    ];

    /// <summary>The kind a bare status code stands for, when nothing more specific is known.</summary>
    public static ProblemKind ForStatus(int status) => status switch
    {
        400 => MalformedRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        412 => ConcurrencyConflict,
        413 => RequestTooLarge,
        415 => UnsupportedMediaType,
        422 => ValidationFailed,
        429 => RateLimited,
        503 => ServiceUnavailable,
        >= 500 => Internal,
        _ => MalformedRequest,
    };
}

/// <summary>Every registered <see cref="ProblemKind"/>, by code.</summary>
public sealed class ProblemCatalog
{
    private readonly Dictionary<string, ProblemKind> _kinds = new(StringComparer.Ordinal);

    public ProblemCatalog(IEnumerable<ProblemKind> registered)
    {
        foreach (var kind in ProblemKinds.Platform.Concat(registered))
            _kinds[kind.Code] = kind;
    }

    public IEnumerable<ProblemKind> All => _kinds.Values.OrderBy(k => k.Code, StringComparer.Ordinal);

    public ProblemKind? Find(string code) => _kinds.GetValueOrDefault(code);
}

public static class ProblemKindsExtensions
{
    /// <summary>Registers an endpoint's own error kind, so that <c>GET /problems/{code}</c> describes it.</summary>
    public static IServiceCollection AddProblemKind(this IServiceCollection services, ProblemKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return services.AddSingleton(kind);
    }
}
