using System.Net;
using System.Text.Json;
using SCOFacts.Api.Http;
using SCOFacts.Api.Tests.Platform;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>JSON bodies are read strictly: nothing a client sends is dropped without a word, and nothing is stored when a body is refused.</summary>
public sealed class StrictInputTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private async Task<(string SourceId, string FactId, string ClaimId)> WorldAsync()
    {
        var sourceId = await factory.RegisterSourceAsync("Xinhua");
        var factId = await factory.DefineQuantityFactAsync();
        var claimId = await factory.RecordClaimAsync(factId, sourceId);
        return (sourceId, factId, claimId);
    }

    private async Task<JsonElement> RefusedAsync(Func<Task<HttpResponseMessage>> send, HttpStatusCode status, string type)
    {
        var before = await factory.CountEventsAsync();
        using var response = await send();
        var problem = await ProblemAssert.IsProblemAsync(response, status, type);
        Assert.Equal(before, await factory.CountEventsAsync());
        return problem;
    }

    [Theory]
    [InlineData("notes", """, "notes": "misspelt" """, "notes")]
    [InlineData("aprox", "", "aprox")]
    [InlineData("locator.line", """, "locator": { "line": 5 } """, "locator.line")]
    public async Task An_unknown_property_is_400_naming_it(string name, string extra, string field)
    {
        var (sourceId, factId, _) = await WorldAsync();
        var value = name == "aprox" ? """{ "kind": "quantity", "amount": "2", "unit": "decade", "aprox": "more-than" }""" : Scenario.MoreThanTwoDecades;
        var body = $$"""{ "sourceId": "{{sourceId}}", "value": {{value}}, "validTime": { "at": "2025-11-21" }, "quote": "q"{{extra}} }""";

        var problem = await RefusedAsync(() => factory.Checker.PostJsonAsync($"/api/facts/{factId}/claims", body), HttpStatusCode.BadRequest, "malformed-request");

        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Contains(field.Split('.')[^1], problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_counter_evidence_is_400()
    {
        var (sourceId, _, claimId) = await WorldAsync();

        var problem = await RefusedAsync(() => factory.Checker.PostJsonAsync($"/api/claims/{claimId}/disputes",
            $$"""{ "reason": "doubtful", "counterEvidense": { "sourceId": "{{sourceId}}", "quote": "q" } }"""), HttpStatusCode.BadRequest, "malformed-request");

        Assert.Equal("counterEvidense", problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("endorsements")]
    [InlineData("retraction")]
    [InlineData("disputes")]
    [InlineData("corrections")]
    public async Task A_literal_null_body_is_400_and_records_nothing(string action)
    {
        var (_, _, claimId) = await WorldAsync();

        await RefusedAsync(() => factory.Editor.PostJsonAsync($"/api/claims/{claimId}/{action}", "null"), HttpStatusCode.BadRequest, "malformed-request");
    }

    [Fact]
    public async Task An_endorsement_without_a_body_is_still_accepted()
    {
        var (_, _, claimId) = await WorldAsync();

        using var response = await factory.Checker.PostAsync($"/api/claims/{claimId}/endorsements", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_empty_valid_time_is_422()
    {
        var (sourceId, factId, _) = await WorldAsync();

        var problem = await RefusedAsync(() => factory.Checker.PostJsonAsync($"/api/facts/{factId}/claims", Scenario.ClaimJson(sourceId, validTime: "{}")),
            HttpStatusCode.UnprocessableEntity, "validation-failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty("validTime", out _));
    }

    [Fact]
    public async Task Text_fields_longer_than_their_bound_are_422_naming_them()
    {
        var (sourceId, factId, claimId) = await WorldAsync();
        var longQuote = new string('q', TextLimits.Quote + 1);
        var longNote = new string('n', TextLimits.Note + 1);

        var claim = await RefusedAsync(() => factory.Checker.PostJsonAsync($"/api/facts/{factId}/claims",
                $$"""{ "sourceId": "{{sourceId}}", "value": {{Scenario.MoreThanTwoDecades}}, "validTime": { "at": "2025" }, "quote": "{{longQuote}}", "note": "{{longNote}}" }"""),
            HttpStatusCode.UnprocessableEntity, "validation-failed");
        Assert.True(claim.GetProperty("errors").TryGetProperty("quote", out _));
        Assert.True(claim.GetProperty("errors").TryGetProperty("note", out _));

        var retraction = await RefusedAsync(() => factory.Editor.PostJsonAsync($"/api/claims/{claimId}/retraction", $$"""{ "reason": "{{longNote}}" }"""),
            HttpStatusCode.UnprocessableEntity, "validation-failed");
        Assert.True(retraction.GetProperty("errors").TryGetProperty("reason", out _));

        var source = await RefusedAsync(() => factory.Editor.PostJsonAsync("/api/sources",
                $$"""{ "id": "{{Scenario.Id("src")}}", "title": "{{new string('t', TextLimits.Name + 1)}}", "publisher": "P", "kind": "news", "language": "en" }"""),
            HttpStatusCode.UnprocessableEntity, "validation-failed");
        Assert.True(source.GetProperty("errors").TryGetProperty("title", out _));
    }

    [Fact]
    public async Task The_OpenAPI_schemas_show_the_bounds()
    {
        using var response = await factory.Anonymous.GetAsync("/swagger/v1/swagger.json");
        var schemas = (await response.BodyAsync()).GetProperty("components").GetProperty("schemas");

        Assert.Equal(TextLimits.Quote, schemas.GetProperty("RecordClaimRequest").GetProperty("properties").GetProperty("quote").GetProperty("maxLength").GetInt32());
        Assert.Equal(TextLimits.Note, schemas.GetProperty("RetractClaimRequest").GetProperty("properties").GetProperty("reason").GetProperty("maxLength").GetInt32());
        Assert.Equal(TextLimits.Name, schemas.GetProperty("RegisterSourceRequest").GetProperty("properties").GetProperty("title").GetProperty("maxLength").GetInt32());
    }
}
