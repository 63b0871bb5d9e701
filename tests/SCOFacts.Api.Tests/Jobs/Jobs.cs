using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Jobs;

/// <summary>Import files and the job resource, for the jobs tests.</summary>
internal static class JobsApiTalk
{
    public static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(90);

    public static object Source(string id, string? title = null) =>
        new { id, title = title ?? $"Report {id}", publisher = "Report Office", author = (string?)null, url = (string?)null, publishedOn = "2025", kind = "official", language = "en", document = (string?)null, sha256 = (string?)null, note = (string?)null };

    public static object Fact(string id) =>
        new { id, subject = id.Split('.')[0], property = id.Split('.')[1], qualifiers = new { }, valueType = "quantity", unit = "year", allowedStatuses = (string[]?)null, description = "Years since founding." };

    public static object Claim(string id, string fact, string source, int amount = 20) =>
        new { id, fact, source, value = new { kind = "quantity", amount = amount.ToString(System.Globalization.CultureInfo.InvariantCulture), unit = "year", approx = "exact" }, validTime = new { at = "2021" }, quote = $"{amount} years on", locator = (object?)null, note = (string?)null };

    /// <summary>JSON Lines: one object per line.</summary>
    public static string Lines(IEnumerable<object> items) => string.Join('\n', items.Select(i => JsonSerializer.Serialize(i))) + "\n";

    /// <summary>A source, <paramref name="facts"/> facts and <paramref name="claimsPerFact"/> claims on each, all under <paramref name="prefix"/>.</summary>
    public static (List<object> Items, string Source, List<string> Facts, List<string> Claims) Batch(string prefix, int facts, int claimsPerFact)
    {
        var source = $"{prefix}-src";
        var items = new List<object> { Source(source) };
        var factIds = new List<string>();
        var claimIds = new List<string>();
        for (var f = 0; f < facts; f++)
        {
            var fact = $"{prefix}.age-{f}";
            factIds.Add(fact);
            items.Add(Fact(fact));
            for (var c = 0; c < claimsPerFact; c++)
            {
                var claim = $"c-{prefix}-{f}-{c}";
                claimIds.Add(claim);
                items.Add(Claim(claim, fact, source, 10 + c));
            }
        }
        return (items, source, factIds, claimIds);
    }

    public static async Task<HttpResponseMessage> ImportAsync(HttpClient client, string body, string mediaType = "application/x-ndjson", string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/imports") { Content = new StringContent(body, Encoding.UTF8, mediaType) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(request);
    }

    /// <summary>Asserts a 202 with Location /api/jobs/{id} and the job as body; returns the job.</summary>
    public static async Task<JsonElement> AcceptedAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {text}");
        var job = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal($"/api/jobs/{job.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        return job;
    }

    public static async Task<JsonElement> JobAsync(HttpClient client, string id) => await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");

    /// <summary>Waits until the job has ended and returns it.</summary>
    public static async Task<JsonElement> EndedAsync(HttpClient client, string id)
    {
        JsonElement job = default;
        await Wait.UntilAsync(async () =>
        {
            job = await JobAsync(client, id);
            return job.GetProperty("state").GetString() is "succeeded" or "failed";
        }, JobTimeout, $"job {id} has ended");
        return job;
    }
}
