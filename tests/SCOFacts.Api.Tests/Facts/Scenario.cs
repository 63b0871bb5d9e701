using System.Net;
using System.Text;
using System.Text.Json;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>
/// The SCO story the facts tests tell over HTTP: sources, a quantity fact about the organisation's age and claims
/// about it, written as raw JSON so the wire format itself is under test.
/// </summary>
public static class Scenario
{
    /// <summary>"more than two decades" since 2001, as Xinhua put it in November 2025.</summary>
    public const string MoreThanTwoDecades = """{ "kind": "quantity", "amount": "2", "unit": "decade", "approx": "more-than" }""";

    /// <summary>A figure that cannot be reconciled with <see cref="MoreThanTwoDecades"/>.</summary>
    public const string AboutTenYears = """{ "kind": "quantity", "amount": "10", "unit": "year", "approx": "about" }""";

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A unique slug for this run, so tests sharing a database never collide.</summary>
    public static string Id(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static async Task<JsonElement> BodyAsync(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Sends a POST with a JSON body (and optional headers) and asserts nothing about the answer.</summary>
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json, params (string Name, string Value)[] headers)
    {
        ArgumentNullException.ThrowIfNull(client);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(json) };
        foreach (var (name, value) in headers)
            request.Headers.TryAddWithoutValidation(name, value);
        return client.SendAsync(request);
    }

    /// <summary>Sends a POST and asserts the expected status, showing the body when it differs.</summary>
    public static async Task<HttpResponseMessage> PostOkAsync(this HttpClient client, string path, string json, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await client.PostJsonAsync(path, json);
        if (response.StatusCode != expected)
            Assert.Fail($"POST {path}: expected {(int)expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    /// <summary>Rows in the event log: what a refused request must leave unchanged.</summary>
    public static async Task<long> CountEventsAsync(this ApiFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        await using var command = factory.DataSource.CreateCommand("select count(*) from mt_events");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static string SourceJson(string id, string publisher, string title = "SCO plays key role in boosting cooperation") =>
        $$"""
        { "id": "{{id}}", "title": "{{title}}", "publisher": "{{publisher}}", "url": "https://example.org/{{id}}",
          "publishedOn": "2025-11-21", "kind": "news", "language": "en" }
        """;

    public static async Task<string> RegisterSourceAsync(this ApiFactory factory, string publisher, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        id ??= Id(publisher.ToLowerInvariant().Replace(' ', '-'));
        using var response = await factory.Editor.PostOkAsync("/api/sources", SourceJson(id, publisher));
        return id;
    }

    public static string QuantityFactJson(string id, string subject = "sco", string property = "age") =>
        $$"""
        { "id": "{{id}}", "subject": "{{subject}}", "property": "{{property}}", "qualifiers": {}, "valueType": "quantity",
          "unit": "year", "description": "Years since the SCO was founded in 2001." }
        """;

    public static async Task<string> DefineQuantityFactAsync(this ApiFactory factory, string? id = null, string subject = "sco", string property = "age")
    {
        ArgumentNullException.ThrowIfNull(factory);
        id ??= Id("sco.age");
        using var response = await factory.Editor.PostOkAsync("/api/facts", QuantityFactJson(id, subject, property));
        return id;
    }

    public static string ClaimJson(string sourceId, string value = MoreThanTwoDecades, string validTime = """{ "at": "2025-11-21" }""",
        string quote = "more than two decades since its establishment", string? id = null) =>
        $$"""
        { {{(id is null ? "" : $"\"id\": \"{id}\", ")}}"sourceId": "{{sourceId}}", "value": {{value}}, "validTime": {{validTime}},
          "quote": "{{quote}}", "locator": { "paragraph": 5, "offset": 812 }, "note": "age stated at publication" }
        """;

    public static async Task<string> RecordClaimAsync(this ApiFactory factory, string factId, string sourceId, string value = MoreThanTwoDecades)
    {
        ArgumentNullException.ThrowIfNull(factory);
        using var response = await factory.Checker.PostOkAsync($"/api/facts/{factId}/claims", ClaimJson(sourceId, value));
        return (await response.BodyAsync()).GetProperty("id").GetString()!;
    }

    /// <summary>Opens a dispute and returns its id.</summary>
    public static async Task<string> DisputeAsync(this ApiFactory factory, string claimId)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var disputeId = Id("dsp");
        using var response = await factory.Checker.PostOkAsync($"/api/claims/{claimId}/disputes",
            $$"""{ "id": "{{disputeId}}", "reason": "The SCO was founded in 2001." }""");
        return disputeId;
    }
}
