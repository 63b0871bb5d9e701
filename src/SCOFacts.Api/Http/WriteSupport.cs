using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using SCOFacts.Api.Platform;
using SCOFacts.Domain;
using SCOFacts.Domain.Values;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Http;

/// <summary>What the resource endpoints do the same way: metadata, preconditions, refusals, paging and time-axis parameters.</summary>
public static class WriteSupport
{
    /// <summary>The whole request body as text, read strictly as UTF-8; null when its bytes are not valid UTF-8.</summary>
    public static async Task<string?> ReadUtf8BodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        try
        {
            return new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true)
                .GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>A domain refusal as a problem: 422 for bad input, 404 for a missing thing, 409 for a state conflict; <c>code</c> says which rule.</summary>
    public static IResult Problem(Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        var extensions = new Dictionary<string, object?> { ["code"] = rejection.Code };
        foreach (var (key, value) in rejection.Details ?? new Dictionary<string, object?>()) extensions[key] = value;
        return rejection.Kind switch
        {
            RejectionKind.NotFound => Problems.Of(ProblemKinds.NotFound, rejection.Message, extensions),
            RejectionKind.Conflict => Problems.Of(ProblemKinds.Conflict, rejection.Message, extensions),
            _ => Problems.Of(ProblemKinds.ValidationFailed, rejection.Message, extensions),
        };
    }

    /// <summary>Required fields missing or empty: 422 naming each one.</summary>
    public static IResult? Missing(params (string Name, object? Value)[] fields)
    {
        var missing = fields.Where(f => f.Value is null || (f.Value is string s && string.IsNullOrWhiteSpace(s))).Select(f => f.Name).ToList();
        return missing.Count == 0 ? null
            : Problems.Validation(missing.ToDictionary(m => m, m => new[] { $"'{m}' is required." }), $"Missing: {string.Join(", ", missing)}.");
    }

    /// <summary>
    /// Text fields longer than their <see cref="StringLengthAttribute"/> allows (the bound the OpenAPI schema shows as
    /// maxLength): 422 naming each one.
    /// </summary>
    public static IResult? TooLong(object request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var property in request.GetType().GetProperties())
        {
            if (property.GetCustomAttributes(typeof(StringLengthAttribute), true) is not [StringLengthAttribute bound]) continue;
            if (property.GetValue(request) is string text && text.Length > bound.MaximumLength)
            {
                var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
                errors[name] = [$"'{name}' may hold at most {bound.MaximumLength} characters; it has {text.Length}."];
            }
        }
        return errors.Count == 0 ? null : Problems.Validation(errors, $"Too long: {string.Join(", ", errors.Keys)}.");
    }

    /// <summary>Runs a write that honours If-Match: a malformed header is 400, a stale one 412.</summary>
    public static async Task<IResult> WithPreconditionAsync(HttpContext context, Func<ExpectedVersion?, Task<IResult>> write)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(write);
        if (!context.Request.TryGetExpectedVersion(out var expected, out var problem)) return problem!;
        try
        {
            return await write(expected is { } v ? ExpectedVersion.Exact(v) : null);
        }
        catch (ConcurrencyException e)
        {
            return Problems.PreconditionFailed(expected, e.ActualVersion);
        }
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

    /// <summary>Parses <c>knownAt</c>: an ISO 8601 timestamp (UTC when it has no offset), or a date (its midnight UTC).</summary>
    public static bool TryKnownAt(string? text, out DateTimeOffset? knownAt)
    {
        knownAt = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return false;
        knownAt = at;
        return true;
    }

    /// <summary>Validates the two time-axis parameters; a 400 problem names the malformed one.</summary>
    public static IResult? TryTimeAxes(string? validAtText, string? knownAtText, out DateOnly? validAt, out DateTimeOffset? knownAt)
    {
        knownAt = null;
        if (!TryValidAt(validAtText, out validAt))
            return QueryParameters.Bad("validAt", $"validAt '{validAtText}' is not a date (use 2017, 2017-06 or 2017-06-09).");
        if (!TryKnownAt(knownAtText, out knownAt))
            return QueryParameters.Bad("knownAt", $"knownAt '{knownAtText}' is not an ISO 8601 timestamp (e.g. 2026-01-31T12:00:00Z).");
        return null;
    }

    /// <summary>Page size (<see cref="QueryParameters.Limit"/>, the same range on every list) and the decoded cursor; a 400 problem naming the parameter otherwise.</summary>
    public static IResult? TryPage(int? limit, string? cursor, out int size, out string? after)
    {
        size = limit ?? QueryParameters.DefaultLimit;
        after = null;
        if (size is < 1 or > QueryParameters.MaxLimit)
            return QueryParameters.Bad(QueryParameters.Limit, $"limit must be between 1 and {QueryParameters.MaxLimit}.");
        return ReadModels.Cursor.TryDecode(cursor, out after) ? null : QueryParameters.Bad(QueryParameters.Cursor, "The cursor is not one this API issued.");
    }

    /// <summary>Documents the refusals every claim write can answer with: 404, 409, 412 and 422 problems.</summary>
    public static RouteHandlerBuilder ProducesWriteProblems(this RouteHandlerBuilder builder) => builder
        .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    /// <summary>A new id for a claim or dispute when the client did not choose one: time-ordered, unique.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.CreateVersion7():N}";
}
