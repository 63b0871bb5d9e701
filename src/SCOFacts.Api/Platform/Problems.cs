using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace SCOFacts.Api.Platform;

/// <summary>
/// RFC 9457 problem results for endpoints. Every one carries a <c>type</c> of the form <c>/problems/{code}</c>
/// (see <see cref="ProblemKinds"/>), and the platform adds <c>traceId</c> and <c>instance</c> when it writes them.
/// </summary>
public static class Problems
{
    /// <summary>A problem of a registered kind.</summary>
    public static ProblemHttpResult Of(ProblemKind kind, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var problem = new ProblemDetails { Type = kind.Type, Title = kind.Title, Status = kind.Status, Detail = detail };
        AddExtensions(problem, extensions);
        return TypedResults.Problem(problem);
    }

    /// <summary>422 <c>validation-failed</c>, with the reasons per field (camelCase field names, as in the request body).</summary>
    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var kind = ProblemKinds.ValidationFailed;
        var problem = new HttpValidationProblemDetails(errors)
        {
            Type = kind.Type,
            Title = kind.Title,
            Status = kind.Status,
            Detail = detail ?? "See 'errors' for the fields that were rejected.",
        };
        return TypedResults.Problem(problem);
    }

    /// <summary>422 <c>validation-failed</c> for one field.</summary>
    public static ProblemHttpResult Validation(string field, string error) =>
        Validation(new Dictionary<string, string[]> { [field] = [error] });

    /// <summary>400 <c>malformed-request</c>: the request could not be read at all.</summary>
    public static ProblemHttpResult Malformed(string detail) => Of(ProblemKinds.MalformedRequest, detail);

    /// <summary>404 <c>not-found</c>.</summary>
    public static ProblemHttpResult NotFound(string? detail = null) => Of(ProblemKinds.NotFound, detail);

    /// <summary>409 <c>conflict</c>.</summary>
    public static ProblemHttpResult Conflict(string detail) => Of(ProblemKinds.Conflict, detail);

    /// <summary>
    /// 409 with an endpoint's own code (e.g. <c>claim-already-retracted</c>), so that clients can tell conflicts apart;
    /// register the code with <see cref="ProblemKindsExtensions.AddProblemKind"/> to describe it at <c>/problems/{code}</c>.
    /// </summary>
    public static ProblemHttpResult Conflict(string code, string detail, string? title = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        var problem = new ProblemDetails
        {
            Type = ProblemKinds.TypeFor(code),
            Title = title ?? ProblemKinds.Conflict.Title,
            Status = StatusCodes.Status409Conflict,
            Detail = detail,
        };
        return TypedResults.Problem(problem);
    }

    /// <summary>
    /// 412 <c>concurrency-conflict</c>: the If-Match version is not the resource's current version. Includes
    /// <c>expectedVersion</c> and, when known, <c>currentVersion</c>.
    /// </summary>
    public static ProblemHttpResult PreconditionFailed(long? expectedVersion, long? currentVersion, string? detail = null) =>
        Of(
            ProblemKinds.ConcurrencyConflict,
            detail ?? (currentVersion is { } current
                ? $"The request expected version {expectedVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}, but the resource is at version {current}."
                : "The resource is not at the version the request expected."),
            new Dictionary<string, object?> { ["expectedVersion"] = expectedVersion, ["currentVersion"] = currentVersion });

    /// <summary>Adds <c>traceId</c> and <c>instance</c>, and turns the framework's default RFC links into our <c>/problems/{code}</c> types.</summary>
    internal static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        var status = problem.Status ?? http.Response.StatusCode;
        if (problem.Type is null || !problem.Type.StartsWith(ProblemKinds.TypePrefix, StringComparison.Ordinal))
        {
            var kind = ProblemKinds.ForStatus(status);
            problem.Type = kind.Type;
            problem.Title = kind.Title;
        }
        problem.Status = status;
        problem.Instance ??= http.Request.Path.Value;
        problem.Extensions["traceId"] = Activity.Current?.Id ?? http.TraceIdentifier;
        // A domain refusal names its rule in 'code' (see WriteSupport.Problem); every one passes through here.
        if (problem.Extensions.TryGetValue("code", out var code) && code is string reason)
            http.RequestServices.GetService<ScoFactsMetrics>()?.CommandRejected(reason, ProblemKinds.ForStatus(status).Code);
    }

    private static void AddExtensions(ProblemDetails problem, IDictionary<string, object?>? extensions)
    {
        if (extensions is null)
            return;
        foreach (var (key, value) in extensions)
            problem.Extensions[key] = value;
    }
}
