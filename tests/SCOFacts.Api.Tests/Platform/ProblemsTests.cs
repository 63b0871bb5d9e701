using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace SCOFacts.Api.Tests.Platform;

public sealed class ProblemsTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Malformed_json_is_400_problem()
    {
        using var body = new StringContent("{\"note\": ", Encoding.UTF8, "application/json");
        using var response = await factory.Checker.PostAsync("/test/writes", body);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed-request");
        Assert.Equal(0, await CountWithNoteAsync("never"));
    }

    [Fact]
    public async Task Json_of_the_wrong_shape_is_400_problem()
    {
        using var body = new StringContent("{\"note\": {\"nested\": 1}}", Encoding.UTF8, "application/json");
        using var response = await factory.Checker.PostAsync("/test/writes", body);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed-request");
    }

    [Fact]
    public async Task Wrong_content_type_is_415_problem()
    {
        using var body = new StringContent("note=x", Encoding.UTF8, "text/plain");
        using var response = await factory.Checker.PostAsync("/test/writes", body);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task Oversized_body_is_413_problem_and_runs_nothing()
    {
        var note = new string('x', 300 * 1024);
        using var body = new StringContent($"{{\"note\": \"{note}\"}}", Encoding.UTF8, "application/json");
        using var response = await factory.Checker.PostAsync("/test/writes", body);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "request-too-large");
        Assert.Equal(0, await CountWithNoteAsync(note));
    }

    [Fact]
    public async Task Oversized_chunked_body_is_413_problem()
    {
        var note = new string('y', 300 * 1024);
        using var body = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($"{{\"note\": \"{note}\"}}")));
        body.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/test/writes") { Content = body };
        request.Headers.TransferEncodingChunked = true;
        using var response = await factory.Checker.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "request-too-large");
    }

    [Fact]
    public async Task Bad_query_value_is_400_problem()
    {
        using var response = await factory.Anonymous.GetAsync("/test/items/5?limit=many");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed-request");
        Assert.Contains("limit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_route_value_is_404_problem()
    {
        using var response = await factory.Anonymous.GetAsync("/test/items/five");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Unhandled_exception_is_500_problem_without_internals()
    {
        using var response = await factory.Checker.PostAsJsonAsync("/test/failures", new TestWrite("boom"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError, "internal");
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lost_append_race_is_412_problem()
    {
        using var response = await factory.Checker.PostAsync("/test/stale-appends", content: null);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.PreconditionFailed, "concurrency-conflict");
        Assert.Equal(5, problem.GetProperty("currentVersion").GetInt64());
    }

    [Fact]
    public async Task Every_problem_code_is_described()
    {
        var list = await factory.Anonymous.GetFromJsonAsync<List<ProblemTypeBody>>("/problems");
        Assert.NotNull(list);
        foreach (var code in new[] { "validation-failed", "malformed-request", "not-found", "conflict", "concurrency-conflict", "unauthorized", "forbidden", "rate-limited", "idempotency-key-reused", "request-too-large", "unsupported-media-type", "internal" })
        {
            var described = await factory.Anonymous.GetFromJsonAsync<ProblemTypeBody>($"/problems/{code}");
            Assert.Equal($"/problems/{code}", described!.Type);
            Assert.False(string.IsNullOrWhiteSpace(described.Description));
            Assert.Contains(list, p => p.Code == code);
        }
        Assert.Equal(412, (await factory.Anonymous.GetFromJsonAsync<ProblemTypeBody>("/problems/concurrency-conflict"))!.Status);
    }

    [Fact]
    public async Task Unknown_problem_code_is_404_problem()
    {
        using var response = await factory.Anonymous.GetAsync("/problems/no-such-code");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "not-found");
        Assert.Equal("/problems/no-such-code", problem.GetProperty("instance").GetString());
    }

    private async Task<long> CountWithNoteAsync(string note)
    {
        await using var command = factory.DataSource.CreateCommand("select count(*) from test_side_effects where note = $1");
        command.Parameters.Add(new() { Value = note });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed record ProblemTypeBody(string Code, string Type, int Status, string Title, string Description);
}
