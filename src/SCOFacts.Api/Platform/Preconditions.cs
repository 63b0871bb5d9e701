using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Platform;

/// <summary>
/// ETag and If-Match for optimistic concurrency. A resource's ETag is its stream version as a strong tag
/// (<c>ETag: "7"</c>); a write sends it back as <c>If-Match: "7"</c>.
/// </summary>
/// <example>
/// <code>
/// if (!request.TryGetExpectedVersion(out var expected, out var malformed))
///     return malformed;
/// // expected is null when the request sent no If-Match (or "*")
/// ...
/// catch (ConcurrencyException e) { return Preconditions.Stale(expected, e.ActualVersion); }
/// response.SetETag(result.Version);
/// </code>
/// </example>
public static class Preconditions
{
    /// <summary>The ETag for a stream version: the version in double quotes.</summary>
    public static string ETagFor(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>Sets <c>ETag</c> to the stream version.</summary>
    public static void SetETag(this HttpResponse response, long version)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ETag = ETagFor(version);
    }

    /// <summary>
    /// Reads <c>If-Match</c>. True with <paramref name="expectedVersion"/> null when it is absent or <c>*</c>, true with
    /// the version for one strong tag holding a non-negative integer; false with a 400 <c>malformed-request</c>
    /// problem for anything else (a weak tag, several tags, a tag that is not a version).
    /// </summary>
    public static bool TryGetExpectedVersion(this HttpRequest request, out long? expectedVersion, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        expectedVersion = null;
        problem = null;
        var values = request.Headers.IfMatch;
        if (values.Count == 0)
            return true;
        var error = ParseIfMatch(values.ToString(), out expectedVersion);
        if (error is null)
            return true;
        problem = Problems.Malformed($"If-Match {error}; send the ETag the resource was read with, e.g. If-Match: \"7\".");
        return false;
    }

    /// <summary>The parse behind <see cref="TryGetExpectedVersion"/>: null on success, else what is wrong.</summary>
    internal static string? ParseIfMatch(string header, out long? version)
    {
        version = null;
        var value = header.Trim();
        if (value == "*")
            return null;
        if (value.Contains(',', StringComparison.Ordinal))
            return "must name one version, not several";
        if (value.StartsWith("W/", StringComparison.Ordinal))
            return "must be a strong ETag (a weak one never matches)";
        if (value.Length < 3 || value[0] != '"' || value[^1] != '"')
            return "must be a quoted ETag";
        // A read's ETag carries a hash of the body after the version ("7.3f9a..."); the version is what a write checks.
        var inner = value[1..^1];
        if (inner.IndexOf('.', StringComparison.Ordinal) is var dot and > 0)
            inner = inner[..dot];
        if (!long.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            return "must be an ETag this API issued (a stream version)";
        version = parsed;
        return null;
    }

    /// <summary>The event store's expectation for an If-Match version: exact, or any when there was none.</summary>
    public static ExpectedVersion ToExpectedVersion(this long? expectedVersion) =>
        expectedVersion is { } version ? ExpectedVersion.Exact(version) : ExpectedVersion.Any;

    /// <summary>412 <c>concurrency-conflict</c> when the If-Match version is not the current one.</summary>
    public static ProblemHttpResult Stale(long? expectedVersion, long? currentVersion) =>
        Problems.PreconditionFailed(expectedVersion, currentVersion);

    /// <summary>
    /// For a resource read before writing: null when <paramref name="expectedVersion"/> is null or equals
    /// <paramref name="currentVersion"/>, else the 412 problem to return.
    /// </summary>
    public static ProblemHttpResult? CheckVersion(long? expectedVersion, long currentVersion) =>
        expectedVersion is { } expected && expected != currentVersion ? Stale(expected, currentVersion) : null;
}
