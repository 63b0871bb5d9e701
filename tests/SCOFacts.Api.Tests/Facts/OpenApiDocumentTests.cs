using System.Net;
using System.Text.Json;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>The OpenAPI document describes every /api operation well enough to call it from the examples alone.</summary>
public sealed class OpenApiDocumentTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly string[] ExpectedOperations =
    [
        "get /api/sources", "post /api/sources", "get /api/sources/{sourceId}", "post /api/sources/{sourceId}/ratings",
        "get /api/facts", "post /api/facts", "get /api/facts/{factId}", "get /api/facts/{factId}/claims", "get /api/subjects/{subject}",
        "post /api/facts/{factId}/claims", "get /api/claims/{claimId}", "post /api/claims/{claimId}/disputes",
        "post /api/claims/{claimId}/disputes/{disputeId}/resolution", "post /api/claims/{claimId}/endorsements",
        "post /api/claims/{claimId}/retraction", "post /api/claims/{claimId}/corrections",
    ];

    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await factory.Anonymous.GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.BodyAsync()).Clone();
    }

    private static IEnumerable<(string Key, JsonElement Operation)> ApiOperations(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        where path.Name.StartsWith("/api/", StringComparison.Ordinal)
        from operation in path.Value.EnumerateObject()
        select ($"{operation.Name} {path.Name.TrimEnd('/')}", operation.Value);

    [Fact]
    public async Task Every_api_operation_has_a_summary_a_response_example_and_for_writes_a_request_example()
    {
        var operations = ApiOperations(await DocumentAsync()).ToList();

        Assert.Subset(operations.Select(o => o.Key).ToHashSet(), ExpectedOperations.ToHashSet());
        Assert.All(operations, o =>
        {
            var (key, operation) = o;
            Assert.False(string.IsNullOrWhiteSpace(operation.TryGetProperty("summary", out var s) ? s.GetString() : null), $"{key} has no summary");
            var examples = operation.GetProperty("responses").EnumerateObject()
                .Where(r => r.Value.TryGetProperty("content", out var content) && content.EnumerateObject().Any(m => m.Value.TryGetProperty("example", out _)))
                .Select(r => r.Name).ToList();
            Assert.True(examples.Any(status => status.StartsWith('2')), $"{key} has no example of its success response");
            if (key.StartsWith("post ", StringComparison.Ordinal))
            {
                var media = operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
                // An import's body is an import file: a JSON array of items.
                Assert.True(media.TryGetProperty("example", out var example)
                    && (example.ValueKind == JsonValueKind.Object || (key == "post /api/imports" && example.ValueKind == JsonValueKind.Array)),
                    $"{key} has no request example");
            }
        });
    }

    [Fact]
    public async Task Every_api_operation_documents_its_success_and_refusals()
    {
        var operations = ApiOperations(await DocumentAsync()).ToDictionary(o => o.Key, o => o.Operation);

        static HashSet<string> Statuses(JsonElement operation) => [.. operation.GetProperty("responses").EnumerateObject().Select(r => r.Name)];
        foreach (var (key, operation) in operations)
        {
            var statuses = Statuses(operation);
            if (key.StartsWith("post ", StringComparison.Ordinal))
            {
                // Long work (an import, a full trust estimation) is accepted as a job.
                Assert.True(statuses.Contains("201") || statuses.Contains("200") || statuses.Contains("202"), key);
                Assert.Superset(new HashSet<string> { "400", "401", "403", "422" }, statuses);
                // Writes to a resource with an ETag honour If-Match; an action such as a trust estimation has none, nor do
                // webhook subscriptions, which are not versioned, nor an import, which
                // writes many resources.
                if (!key.StartsWith("post /api/trust", StringComparison.Ordinal) && !key.StartsWith("post /api/subscriptions", StringComparison.Ordinal)
                    && key != "post /api/imports")
                    Assert.Contains("412", statuses);
            }
            else
            {
                Assert.Contains("200", statuses);
            }
        }
        Assert.Superset(new HashSet<string> { "404", "409" }, Statuses(operations["post /api/facts/{factId}/claims"]));
        Assert.Superset(new HashSet<string> { "404", "409" }, Statuses(operations["post /api/claims/{claimId}/disputes/{disputeId}/resolution"]));
        Assert.Contains("409", Statuses(operations["post /api/sources"]));
        Assert.Contains("404", Statuses(operations["post /api/sources/{sourceId}/ratings"]));
        Assert.Contains("404", Statuses(operations["get /api/facts/{factId}"]));
        Assert.Contains("400", Statuses(operations["get /api/facts"]));
        var notFound = operations["get /api/claims/{claimId}"].GetProperty("responses").GetProperty("404").GetProperty("content");
        Assert.True(notFound.TryGetProperty("application/problem+json", out _));
    }

    [Fact]
    public async Task Examples_tell_the_SCO_story_and_request_schemas_describe_their_fields()
    {
        var document = await DocumentAsync();
        var paths = document.GetProperty("paths");

        var record = paths.GetProperty("/api/facts/{factId}/claims").GetProperty("post");
        var claim = record.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.Equal("xinhua-2025-11-21", claim.GetProperty("sourceId").GetString());
        Assert.Equal("quantity", claim.GetProperty("value").GetProperty("kind").GetString());
        Assert.Equal("more-than", claim.GetProperty("value").GetProperty("approx").GetString());
        Assert.Equal("2025-11-21", claim.GetProperty("validTime").GetProperty("at").GetString());
        var created = record.GetProperty("responses").GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.Equal("active", created.GetProperty("status").GetString());

        var fact = paths.GetProperty("/api/facts/{factId}").GetProperty("get").GetProperty("responses").GetProperty("200")
            .GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.Equal("settled", fact.GetProperty("verdict").GetString());
        Assert.Equal("upheld", fact.GetProperty("excluded")[0].GetProperty("disputes")[0].GetProperty("status").GetString());

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var kinds = schemas.GetProperty("ClaimValue").GetProperty("discriminator");
        Assert.Equal("kind", kinds.GetProperty("propertyName").GetString());
        Assert.Equal(["quantity", "date", "status", "entity", "boolean", "text"], kinds.GetProperty("mapping").EnumerateObject().Select(m => m.Name));
        var at = schemas.GetProperty("ValidTime").GetProperty("properties").GetProperty("at");
        Assert.Equal("string", at.GetProperty("type").GetString());
        foreach (var (schema, property) in new[]
        {
            ("RegisterSourceRequest", "publisher"), ("RateSourceRequest", "reliability"), ("DefineFactRequest", "valueType"),
            ("RecordClaimRequest", "quote"), ("RecordClaimRequest", "validTime"), ("DisputeClaimRequest", "counterEvidence"),
            ("ResolveDisputeRequest", "outcome"), ("EndorseClaimRequest", "note"), ("RetractClaimRequest", "reason"),
            ("CorrectClaimRequest", "value"),
        })
        {
            var described = schemas.GetProperty(schema).GetProperty("properties").GetProperty(property);
            Assert.True(described.TryGetProperty("description", out var text) && text.GetString()!.Length > 3, $"{schema}.{property} has no description");
        }
    }
}
