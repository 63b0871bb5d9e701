using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SCOFacts.Api.Platform;

namespace SCOFacts.Desk.Tests;

/// <summary>Facts and sources a test makes for itself through the API, with ids of its own, so tests never share state.</summary>
public sealed class Scenario
{
    private Scenario(string tag) => Tag = tag;

    /// <summary>A short unique suffix of this scenario's ids.</summary>
    public string Tag { get; }

    /// <summary>A status fact whose two claims, from two independent sources, disagree: contested.</summary>
    public string FactId => $"desk-test.gate-{Tag}";

    public string SourceA => $"desk-a-{Tag}";

    public string SourceB => $"desk-b-{Tag}";

    public string ClaimOpen => $"c-open-{Tag}";

    public string ClaimClosed => $"c-closed-{Tag}";

    /// <summary>Registers the two sources, defines the fact and records the two claims.</summary>
    public static async Task<Scenario> ContestedAsync(DeskHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var s = new Scenario(Guid.NewGuid().ToString("N")[..8]);
        using var editor = host.Api(Roles.Editor);
        await PostAsync(editor, "/api/sources", new { id = s.SourceA, title = $"Gate Gazette {s.Tag}", publisher = $"Gazette {s.Tag}", kind = "news", language = "en" });
        await PostAsync(editor, "/api/sources", new { id = s.SourceB, title = $"Gate Herald {s.Tag}", publisher = $"Herald {s.Tag}", kind = "news", language = "en" });
        await PostAsync(editor, "/api/facts", new
        {
            id = s.FactId, subject = "desk-test", property = $"gate-{s.Tag}", valueType = "status",
            allowedStatuses = new[] { "open", "closed" }, description = $"Whether test gate {s.Tag} is open",
        });
        await PostAsync(editor, $"/api/facts/{s.FactId}/claims", new
        {
            id = s.ClaimOpen, sourceId = s.SourceA, value = new { kind = "status", status = "open" }, validTime = new { at = "2025" },
            quote = "The gate is open.",
        });
        await PostAsync(editor, $"/api/facts/{s.FactId}/claims", new
        {
            id = s.ClaimClosed, sourceId = s.SourceB, value = new { kind = "status", status = "closed" }, validTime = new { at = "2025" },
            quote = "The gate is closed.",
        });
        return s;
    }

    /// <summary>POSTs JSON and insists on a 2xx answer.</summary>
    public static async Task<JsonElement> PostAsync(HttpClient client, string path, object body)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>POSTs JSON and returns the status and the problem document of a refusal.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Problem)> RefusedAsync(HttpClient client, string path, object body)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.False(response.IsSuccessStatusCode, $"POST {path} was accepted: {text}");
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }
}
