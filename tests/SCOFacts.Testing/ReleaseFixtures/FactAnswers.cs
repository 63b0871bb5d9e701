using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace SCOFacts.Testing.ReleaseFixtures;

/// <summary>The points on the two time axes a fact's answers are taken at.</summary>
/// <param name="ValidAt">Valid-time dates, as the API takes them (<c>2017</c>, <c>2017-06</c>, <c>2017-06-09</c>).</param>
/// <param name="KnownAt">Transaction-time instants, whole microseconds (the database's resolution).</param>
public sealed record AnswerAxes(IReadOnlyList<string> ValidAt, IReadOnlyList<DateTimeOffset> KnownAt);

/// <summary>
/// Everything the API answers about one fact, read over HTTP and cut down to what a reader relies on: the answer now,
/// at each valid-time date, as known at each instant, the timeline now and as known at each instant, and the history.
/// Request echoes (the axes asked for), feed positions and hash-chain bytes are left out: they say how the answer was
/// asked or stored, not what it is. The same code takes the answers that are kept and the ones compared with them.
/// </summary>
public static class FactAnswers
{
    /// <summary>Every fact's id, in ordinal order.</summary>
    public static async Task<IReadOnlyList<string>> FactIdsAsync(HttpClient http, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await GetAsync(http, "/api/facts?limit=1000" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), cancellationToken)
                ?? throw new InvalidOperationException("GET /api/facts answered 404.");
            ids.AddRange(page["items"]!.AsArray().Select(item => item!["id"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>The answer set of <paramref name="factId"/> on <paramref name="axes"/>; an answer the API gave 404 for (the fact was not yet known) is null.</summary>
    public static async Task<JsonObject> FetchAsync(HttpClient http, string factId, AnswerAxes axes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(axes);
        var path = "/api/facts/" + Uri.EscapeDataString(factId);
        var now = await GetAsync(http, path, cancellationToken) ?? throw new InvalidOperationException($"GET {path} answered 404.");
        var validAt = new JsonObject();
        foreach (var date in axes.ValidAt)
            validAt[date] = Answer(await GetAsync(http, $"{path}?validAt={Uri.EscapeDataString(date)}", cancellationToken));
        var knownAt = new JsonObject();
        var timelineKnownAt = new JsonObject();
        foreach (var instant in axes.KnownAt.Select(Instant))
        {
            knownAt[instant] = Answer(await GetAsync(http, $"{path}?knownAt={Uri.EscapeDataString(instant)}", cancellationToken));
            timelineKnownAt[instant] = Timeline(await GetAsync(http, $"{path}/timeline?knownAt={Uri.EscapeDataString(instant)}", cancellationToken));
        }
        return new JsonObject
        {
            ["definition"] = Definition(now),
            ["now"] = Answer(now),
            ["validAt"] = validAt,
            ["knownAt"] = knownAt,
            ["timeline"] = Timeline(await GetAsync(http, $"{path}/timeline", cancellationToken)),
            ["timelineKnownAt"] = timelineKnownAt,
            ["history"] = await HistoryAsync(http, path, cancellationToken),
        };
    }

    /// <summary>An instant as the answer sets name it and the API takes it: UTC, to the microsecond.</summary>
    public static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Where <paramref name="actual"/> differs from <paramref name="expected"/>, one line per difference, each with its JSON path.
    /// Object members compare by name, whatever their order; arrays element by element.
    /// </summary>
    public static IReadOnlyList<string> Differences(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        var differences = new List<string>();
        Compare(expected, actual, path, differences);
        return differences;
    }

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> differences)
    {
        switch (expected, actual)
        {
            case (null, null):
                return;
            case (JsonObject e, JsonObject a):
                foreach (var name in e.Select(p => p.Key).Union(a.Select(p => p.Key), StringComparer.Ordinal))
                {
                    if (!e.ContainsKey(name)) differences.Add($"{path}.{name}: not expected, served {Text(a[name])}");
                    else if (!a.ContainsKey(name)) differences.Add($"{path}.{name}: expected {Text(e[name])}, not served");
                    else Compare(e[name], a[name], $"{path}.{name}", differences);
                }
                return;
            case (JsonArray e, JsonArray a):
                for (var i = 0; i < Math.Max(e.Count, a.Count); i++)
                {
                    if (i >= a.Count) differences.Add($"{path}[{i}]: expected {Text(e[i])}, not served");
                    else if (i >= e.Count) differences.Add($"{path}[{i}]: not expected, served {Text(a[i])}");
                    else Compare(e[i], a[i], $"{path}[{i}]", differences);
                }
                return;
            default:
                if (Text(expected) != Text(actual)) differences.Add($"{path}: expected {Text(expected)}, served {Text(actual)}");
                return;
        }
    }

    private static string Text(JsonNode? node) => node?.ToJsonString() ?? "null";

    /// <summary>What the fact is: fixed once it is defined.</summary>
    private static JsonObject Definition(JsonObject fact) => Pick(fact, "id", "subject", "property", "qualifiers", "valueType", "unit", "allowedStatuses", "description");

    /// <summary>
    /// One reconciled answer: value, verdict, confidence, explanation, the valid-time day it is for and whether it was carried
    /// forward, the claims for, against and excluded (with each one's status), the weights used, and the stream version.
    /// </summary>
    private static JsonObject? Answer(JsonObject? fact)
    {
        if (fact is null) return null;
        var answer = Pick(fact, "version", "verdict", "value", "supportingRange", "confidence", "explanation", "claimCount");
        var asOf = fact["asOf"]!.AsObject();
        answer["referenceDate"] = asOf["referenceDate"]?.DeepClone();
        answer["carriedForwardFrom"] = asOf["carriedForwardFrom"]?.DeepClone();
        var statuses = new JsonObject();
        foreach (var side in new[] { "supporting", "conflicting", "excluded" })
        {
            var ids = new JsonArray();
            foreach (var claim in fact[side]!.AsArray())
            {
                var id = claim!["id"]!.GetValue<string>();
                ids.Add(id);
                statuses[id] = claim["status"]!.DeepClone();
            }
            answer[side] = ids;
        }
        answer["claimStatus"] = statuses;
        answer["reliabilities"] = fact["reliabilities"]!.DeepClone();
        return answer;
    }

    /// <summary>The value per stretch of valid time (the axis asked for left out).</summary>
    private static JsonObject? Timeline(JsonObject? timeline) => timeline is null ? null : Pick(timeline, "version", "segments");

    /// <summary>Every event of the fact with who, when and why, and the verdict after it; positions and hashes are the store's, not answers.</summary>
    private static async Task<JsonArray> HistoryAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        var entries = new JsonArray();
        string? cursor = null;
        do
        {
            var page = await GetAsync(http, $"{path}/history?limit=1000" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), cancellationToken)
                ?? throw new InvalidOperationException($"GET {path}/history answered 404.");
            foreach (var entry in page["items"]!.AsArray())
            {
                var kept = Pick(entry!.AsObject(), "version", "type", "data", "recordedBy", "correlationId", "reason", "verdict", "value", "confidence");
                // The same instant whatever offset or precision it is written with.
                kept["recordedAt"] = Instant(DateTimeOffset.Parse(entry["recordedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture));
                entries.Add(kept);
            }
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return entries;
    }

    private static JsonObject Pick(JsonObject from, params string[] names)
    {
        var picked = new JsonObject();
        foreach (var name in names) picked[name] = from[name]?.DeepClone();
        return picked;
    }

    /// <summary>The JSON body of a GET, or null for 404; any other failure throws with the problem the API gave.</summary>
    private static async Task<JsonObject?> GetAsync(HttpClient http, string uri, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(uri, UriKind.Relative), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"GET {uri}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }
}
