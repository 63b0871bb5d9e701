using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SCOFacts.Api.Tests.Facts;
using SCOFacts.Api.Tests.Platform;

namespace SCOFacts.Api.Tests.Sources;

/// <summary>
/// A source's document: attached with PUT, served with every claim's quote as offsets, and the yardstick every
/// later quote from the source is held to. Refusals store nothing.
/// </summary>
public sealed class SourceDocumentTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    // A short stand-in document (typographic quotes and a dash included, as real documents have them).
    private const string Text =
        "\nMoscow, Nov. 21 (Xinhua) -- The SCO was founded in 2001.\n\n" +
        "It is now more than two decades since its establishment, and the organization\u2019s \u201Cfamily\u201D has grown \u2014 to ten members.\n" +
        "Observers note that the SCO covers about a quarter of the planet's land.\n";

    private const string Quote = "more than two decades since its establishment";

    private static StringContent Plain(string text) => new(text, Encoding.UTF8, "text/plain");

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private async Task<(string SourceId, string FactId)> SourceWithDocumentAsync()
    {
        var sourceId = await factory.RegisterSourceAsync("Xinhua");
        var factId = await factory.DefineQuantityFactAsync();
        using var put = await factory.Checker.PutAsync($"/api/sources/{sourceId}/document", Plain(Text));
        Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync());
        return (sourceId, factId);
    }

    private static string Claim(string sourceId, string quote, string? locator = null) =>
        $$"""
        { "sourceId": "{{sourceId}}", "value": {{Scenario.MoreThanTwoDecades}}, "validTime": { "at": "2025-11-21" },
          "quote": {{JsonSerializer.Serialize(quote)}}{{(locator is null ? "" : $", \"locator\": {locator}")}} }
        """;

    [Fact]
    public async Task The_document_is_served_with_its_digest_and_every_claims_quote_as_offsets()
    {
        var (sourceId, factId) = await SourceWithDocumentAsync();
        using var recorded = await factory.Checker.PostOkAsync($"/api/facts/{factId}/claims", Claim(sourceId, Quote));
        var claim = await recorded.BodyAsync();

        // No locator was sent: the one the quote's place gives was computed (third non-empty line... the second here).
        var offset = Text.IndexOf(Quote, StringComparison.Ordinal);
        Assert.Equal(offset, claim.GetProperty("locator").GetProperty("offset").GetInt32());
        Assert.Equal(2, claim.GetProperty("locator").GetProperty("paragraph").GetInt32());

        using var get = await factory.Anonymous.GetAsync($"/api/sources/{sourceId}/document");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        var document = await get.BodyAsync();
        Assert.Equal(Text, document.GetProperty("text").GetString());
        Assert.Equal(Sha256(Text), document.GetProperty("sha256").GetString());
        Assert.Equal(Text.Length, document.GetProperty("length").GetInt32());
        Assert.Equal("checker:test-checker", document.GetProperty("attachedBy").GetString());
        var quote = Assert.Single(document.GetProperty("quotes").EnumerateArray());
        Assert.Equal(claim.GetProperty("id").GetString(), quote.GetProperty("claimId").GetString());
        Assert.True(quote.GetProperty("verbatim").GetBoolean());
        Assert.Equal(offset, quote.GetProperty("offset").GetInt32());
        Assert.Equal(Quote, Text.Substring(quote.GetProperty("offset").GetInt32(), quote.GetProperty("length").GetInt32()));
    }

    [Fact]
    public async Task A_made_up_quote_is_422_with_the_closest_passage_and_stores_nothing()
    {
        var (sourceId, factId) = await SourceWithDocumentAsync();
        var before = await factory.CountEventsAsync();

        using var response = await factory.Checker.PostJsonAsync($"/api/facts/{factId}/claims",
            Claim(sourceId, "The SCO covers 99 percent of the planet"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "validation-failed");
        Assert.Equal("quote-not-verbatim", problem.GetProperty("code").GetString());
        var closest = problem.GetProperty("closestPassage");
        Assert.Contains("the SCO covers about a quarter of the planet", closest.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(closest.GetProperty("text").GetString(),
            Text.Substring(closest.GetProperty("offset").GetInt32(), closest.GetProperty("length").GetInt32()));
        Assert.Equal(await factory.CountEventsAsync(), before);
    }

    [Fact]
    public async Task A_quote_with_straight_quotes_and_spacing_changed_is_refused_and_the_exact_words_suggested()
    {
        var (sourceId, factId) = await SourceWithDocumentAsync();

        using var response = await factory.Checker.PostJsonAsync($"/api/facts/{factId}/claims",
            Claim(sourceId, "the organization's  \"family\" has grown - to ten members"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "validation-failed");
        var closest = problem.GetProperty("closestPassage");
        Assert.Equal("the organization\u2019s \u201Cfamily\u201D has grown \u2014 to ten members", closest.GetProperty("text").GetString());
        Assert.Equal(1.0, closest.GetProperty("similarity").GetDouble());
    }

    [Fact]
    public async Task A_locator_that_points_elsewhere_is_422_with_the_right_one()
    {
        var (sourceId, factId) = await SourceWithDocumentAsync();

        using var response = await factory.Checker.PostJsonAsync($"/api/facts/{factId}/claims",
            Claim(sourceId, Quote, """{ "paragraph": 5, "offset": 812 }"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "validation-failed");
        Assert.Equal("locator-mismatch", problem.GetProperty("code").GetString());
        Assert.Equal(Text.IndexOf(Quote, StringComparison.Ordinal), problem.GetProperty("suggestedLocator").GetProperty("offset").GetInt32());

        // The right locator is accepted as given.
        var offset = Text.IndexOf(Quote, StringComparison.Ordinal);
        using var ok = await factory.Checker.PostOkAsync($"/api/facts/{factId}/claims", Claim(sourceId, Quote, $$"""{ "paragraph": 2, "offset": {{offset}} }"""));
    }

    [Fact]
    public async Task Counter_evidence_must_be_verbatim_too()
    {
        var (sourceId, factId) = await SourceWithDocumentAsync();
        var other = await factory.RegisterSourceAsync("Other Paper");
        using var recorded = await factory.Checker.PostOkAsync($"/api/facts/{factId}/claims", Claim(other, "fifteen years"));
        var claimId = (await recorded.BodyAsync()).GetProperty("id").GetString();

        using var refused = await factory.Checker.PostJsonAsync($"/api/claims/{claimId}/disputes",
            $$"""{ "reason": "Xinhua says otherwise.", "counterEvidence": { "sourceId": "{{sourceId}}", "quote": "twenty years since it began" } }""");
        var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.UnprocessableEntity, "validation-failed");
        Assert.Equal("counterEvidence.quote", problem.GetProperty("field").GetString());

        using var accepted = await factory.Checker.PostOkAsync($"/api/claims/{claimId}/disputes",
            $$"""{ "reason": "Xinhua says otherwise.", "counterEvidence": { "sourceId": "{{sourceId}}", "quote": "{{Quote}}" } }""");
    }

    [Fact]
    public async Task Attaching_is_idempotent_for_the_same_text_and_refused_for_another()
    {
        var (sourceId, _) = await SourceWithDocumentAsync();
        var before = await factory.CountEventsAsync();

        using var again = await factory.Checker.PutAsync($"/api/sources/{sourceId}/document", Plain(Text));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var other = await factory.Checker.PutAsync($"/api/sources/{sourceId}/document", Plain(Text + "A later edition.\n"));
        var problem = await ProblemAssert.IsProblemAsync(other, HttpStatusCode.Conflict, "conflict");
        Assert.Equal("document-exists", problem.GetProperty("code").GetString());
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    [Fact]
    public async Task Bad_documents_are_refused_and_store_nothing()
    {
        var sourceId = await factory.RegisterSourceAsync("Xinhua");
        var registeredWithDigest = Scenario.Id("src");
        using (var created = await factory.Editor.PostOkAsync("/api/sources",
            $$"""{ "id": "{{registeredWithDigest}}", "title": "T", "publisher": "P", "kind": "news", "language": "en", "sha256": "{{Sha256(Text)}}" }""")) { }
        var before = await factory.CountEventsAsync();

        async Task Refused(HttpClient client, string id, HttpContent content, HttpStatusCode status, string type, string? code = null)
        {
            using var response = await client.PutAsync($"/api/sources/{id}/document", content);
            var problem = await ProblemAssert.IsProblemAsync(response, status, type);
            if (code is not null) Assert.Equal(code, problem.GetProperty("code").GetString());
        }

        await Refused(factory.Checker, "no-such-source", Plain(Text), HttpStatusCode.NotFound, "not-found", "unknown-source");
        await Refused(factory.Checker, sourceId, Plain("  \n"), HttpStatusCode.UnprocessableEntity, "validation-failed", "empty-document");
        await Refused(factory.Checker, sourceId, Plain("a\0b"), HttpStatusCode.UnprocessableEntity, "validation-failed", "bad-document");
        await Refused(factory.Checker, sourceId, new StringContent("{}", Encoding.UTF8, "application/json"), HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        var invalidUtf8 = new ByteArrayContent([0x41, 0xC3, 0x28]);
        invalidUtf8.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        await Refused(factory.Checker, sourceId, invalidUtf8, HttpStatusCode.BadRequest, "malformed-request");
        await Refused(factory.Checker, registeredWithDigest, Plain(Text + "tampered"), HttpStatusCode.UnprocessableEntity, "validation-failed", "document-digest-mismatch");
        await Refused(factory.Anonymous, sourceId, Plain(Text), HttpStatusCode.Unauthorized, "unauthorized");
        await Refused(factory.Auditor, sourceId, Plain(Text), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(before, await factory.CountEventsAsync());

        using var missing = await factory.Anonymous.GetAsync($"/api/sources/{sourceId}/document");
        await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.NotFound, "not-found");

        // The digest the source was registered with admits its own text.
        using var matching = await factory.Checker.PutAsync($"/api/sources/{registeredWithDigest}/document", Plain(Text));
        Assert.Equal(HttpStatusCode.Created, matching.StatusCode);
    }

    [Fact]
    public async Task Claims_recorded_before_the_document_are_listed_whether_or_not_they_quote_it()
    {
        var sourceId = await factory.RegisterSourceAsync("Xinhua");
        var factId = await factory.DefineQuantityFactAsync();
        using (var good = await factory.Checker.PostOkAsync($"/api/facts/{factId}/claims", Claim(sourceId, Quote))) { }
        using (var bad = await factory.Checker.PostOkAsync($"/api/facts/{factId}/claims", Claim(sourceId, "words the document never had"))) { }
        using (var put = await factory.Checker.PutAsync($"/api/sources/{sourceId}/document", Plain(Text))) Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        var quotes = (await (await factory.Anonymous.GetAsync($"/api/sources/{sourceId}/document")).BodyAsync()).GetProperty("quotes").EnumerateArray().ToList();

        Assert.Equal(2, quotes.Count);
        Assert.True(quotes[0].GetProperty("verbatim").GetBoolean());
        Assert.False(quotes[1].GetProperty("verbatim").GetBoolean());
        Assert.Equal(JsonValueKind.Null, quotes[1].GetProperty("offset").ValueKind);
    }
}
