using System.Net;
using System.Text.Json;

namespace SCOFacts.Api.Tests.Platform;

public sealed class OpenApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await factory.Anonymous.GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task The_document_lists_both_API_key_schemes()
    {
        var document = await DocumentAsync();

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("header", schemes.GetProperty("ApiKey").GetProperty("in").GetString());
        Assert.Equal("SCOFacts API", document.GetProperty("info").GetProperty("title").GetString());
    }

    [Fact]
    public async Task Write_operations_require_a_key_and_document_their_problems()
    {
        var document = await DocumentAsync();

        var post = document.GetProperty("paths").GetProperty("/test/writes").GetProperty("post");
        var security = post.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToList();
        Assert.Contains("Bearer", security);
        Assert.Contains("ApiKey", security);
        var responses = post.GetProperty("responses");
        foreach (var status in new[] { "400", "401", "403", "413", "429", "500" })
            Assert.True(responses.GetProperty(status).GetProperty("content").TryGetProperty("application/problem+json", out _), status);

        var read = document.GetProperty("paths").GetProperty("/problems/{code}").GetProperty("get");
        Assert.False(read.TryGetProperty("security", out _));
    }

    [Fact]
    public async Task Endpoint_and_schema_examples_are_included()
    {
        var document = await DocumentAsync();

        var get = document.GetProperty("paths").GetProperty("/problems/{code}").GetProperty("get").GetProperty("responses");
        Assert.Equal("concurrency-conflict", get.GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("example").GetProperty("code").GetString());
        Assert.Equal(404, get.GetProperty("404").GetProperty("content").GetProperty("application/problem+json").GetProperty("example").GetProperty("status").GetInt32());
        var ready = document.GetProperty("paths").GetProperty("/health/ready").GetProperty("get").GetProperty("responses");
        Assert.Equal("database", ready.GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("example").GetProperty("checks")[0].GetProperty("name").GetString());

        var write = document.GetProperty("paths").GetProperty("/test/writes").GetProperty("post");
        Assert.Equal("an example note", write.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("example").GetProperty("note").GetString());
        Assert.Equal("checker:alice", write.GetProperty("responses").GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("example").GetProperty("principal").GetString());

        var problemSchema = document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails");
        Assert.True(problemSchema.TryGetProperty("example", out _) || problemSchema.TryGetProperty("examples", out _));
    }

    [Fact]
    public async Task Swagger_UI_is_served()
    {
        using var response = await factory.Anonymous.GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
