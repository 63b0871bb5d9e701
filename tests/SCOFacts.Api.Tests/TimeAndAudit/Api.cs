using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SCOFacts.Api.Platform;
using SCOFacts.Api.Storage;

namespace SCOFacts.Api.Tests.TimeAndAudit;

/// <summary>Small HTTP helpers for the time and audit tests: every call asserts its status and returns the JSON body.</summary>
internal static class Api
{
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}, expected {(int)expected}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>
    /// Waits until the learned-trust projection has taken in every event written so far: its estimation can move an
    /// answer after the write that caused it, so a test comparing answers over time starts once it has. Asked of the
    /// app's own database, whichever it is.
    /// </summary>
    public static Task TrustCaughtUpAsync(ApiFactory factory) =>
        SCOFacts.Testing.Wait.UntilAsync(async () =>
            (await AsyncProjections.StatusAsync(factory.Services.GetRequiredService<NpgsqlDataSource>(), CancellationToken.None)).Single(p => p.Name == AsyncProjections.TrustName + ":All").EventsBehind == 0,
            TimeSpan.FromSeconds(60), "the trust projection has caught up with the log");

    public static async Task<JsonElement> GetAsync(HttpClient client, string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        return await ReadAsync(response, expected);
    }

    public static async Task<JsonElement> PostAsync(HttpClient client, string url, object body, HttpStatusCode expected, string? correlationId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, UriKind.Relative)) { Content = JsonContent.Create(body) };
        if (correlationId is not null) request.Headers.Add(EventMetadataExtensions.CorrelationHeader, correlationId);
        using var response = await client.SendAsync(request);
        return await ReadAsync(response, expected);
    }

    public static Task<JsonElement> DefineQuantityAsync(ApiFactory factory, string id, string unit, string subject = "test") =>
        PostAsync(factory.Editor, "/api/facts", new
        {
            id, subject, property = id.Replace('.', '-'), valueType = "quantity", unit, description = $"The {id} of the test subject.",
        }, HttpStatusCode.Created);

    public static Task<JsonElement> DefineMembershipAsync(ApiFactory factory, string subject, string state) =>
        PostAsync(factory.Editor, "/api/facts", new
        {
            id = $"{subject}.membership-status.{state}", subject, property = "membership-status",
            qualifiers = new Dictionary<string, string> { ["state"] = state }, valueType = "status",
            allowedStatuses = new[] { "applicant", "observer", "member", "former-member" },
            description = $"The membership status of {state} in {subject}.",
        }, HttpStatusCode.Created);

    public static Task<JsonElement> RegisterSourceAsync(ApiFactory factory, string id, string publisher) =>
        PostAsync(factory.Checker, "/api/sources", new
        {
            id, title = $"Report {id}", publisher, kind = "news", language = "en", publishedOn = "2025-06-01", url = $"https://example.org/{id}",
        }, HttpStatusCode.Created);

    public static Task<JsonElement> RecordAsync(HttpClient client, string factId, string claimId, string sourceId, object value, object validTime,
        string? correlationId = null) =>
        PostAsync(client, $"/api/facts/{factId}/claims", new
        {
            id = claimId, sourceId, value, validTime, quote = $"The words of {claimId}.", locator = new { paragraph = 1, offset = 0 },
        }, HttpStatusCode.Created, correlationId);

    public static object Quantity(string amount, string unit) => new { kind = "quantity", amount, unit, approx = "exact" };

    public static object Status(string status) => new { kind = "status", status };

    public static object At(string at) => new { at };

    public static object From(string from) => new { from };

    public static object Between(string from, string to) => new { from, to };

    /// <summary>A transaction time as a query parameter (round-trip form, escaped).</summary>
    public static string Known(DateTimeOffset at) => Uri.EscapeDataString(at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));

    /// <summary>Runs a command-line verb in-process against the factory's database.</summary>
    public static Task<(int? ExitCode, string Out, string Error)> CliAsync(ApiFactory factory, params string[] args) =>
        CliRun.InProcessAsync(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ScoFactsDatabase.ConnectionStringName}"] = factory.Database.ConnectionString,
            ["Seeds:LoadOnStart"] = "false",
        }, args);

    public static async Task<long> ScalarAsync(ApiFactory factory, string sql)
    {
        await using var command = factory.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
