using System.Net;
using System.Text.Json;
using SCOFacts.Api.Tests.Platform;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>
/// Client mistakes on every write endpoint and every read: each is a 4xx problem (never a 500) with a
/// <c>/problems/</c> type, and none of them stores an event.
/// </summary>
public sealed class BadInputTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    /// <summary>A source, a quantity fact, a claim, and another claim with an open dispute.</summary>
    private sealed record World(string SourceId, string FactId, string ClaimId, string DisputedClaimId, string DisputeId);

    /// <summary>A write endpoint and a valid request for it; <c>Creates</c> when it makes a new stream.</summary>
    private sealed record WriteEndpoint(string Name, bool Creates, Func<World, (string Path, string Body)> Request);

    private static readonly WriteEndpoint[] Writes =
    [
        new("register source", true, _ => ("/api/sources", Scenario.SourceJson(Scenario.Id("src"), "Xinhua"))),
        new("rate source", false, w => ($"/api/sources/{w.SourceId}/ratings", """{ "reliability": 0.9, "reason": "accurate on dates" }""")),
        new("define fact", true, _ => ("/api/facts", Scenario.QuantityFactJson(Scenario.Id("sco.age")))),
        new("record claim", false, w => ($"/api/facts/{w.FactId}/claims", Scenario.ClaimJson(w.SourceId))),
        new("dispute claim", false, w => ($"/api/claims/{w.ClaimId}/disputes", """{ "reason": "doubtful" }""")),
        new("resolve dispute", false, w => ($"/api/claims/{w.DisputedClaimId}/disputes/{w.DisputeId}/resolution", """{ "outcome": "upheld", "note": "wrong" }""")),
        new("endorse claim", false, w => ($"/api/claims/{w.ClaimId}/endorsements", """{ "note": "checked" }""")),
        new("retract claim", false, w => ($"/api/claims/{w.ClaimId}/retraction", """{ "reason": "wrong article" }""")),
        new("correct claim", false, w => ($"/api/claims/{w.ClaimId}/corrections", $$"""{ "value": {{Scenario.AboutTenYears}}, "reason": "misread" }""")),
    ];

    public static TheoryData<string> WriteEndpoints { get; } = [.. Writes.Select(e => e.Name)];

    [Theory]
    [MemberData(nameof(WriteEndpoints))]
    public async Task Malformed_json_is_400(string name)
    {
        var (path, _) = Writes.Single(e => e.Name == name).Request(await WorldAsync());

        await RefusedAsync(() => factory.Editor.PostJsonAsync(path, """{ "reason": "unterminated """), HttpStatusCode.BadRequest, "malformed-request");
        await RefusedAsync(() => factory.Editor.PostJsonAsync(path, "[1, 2, 3]"), HttpStatusCode.BadRequest, "malformed-request");
    }

    [Theory]
    [MemberData(nameof(WriteEndpoints))]
    public async Task An_oversized_body_is_413(string name)
    {
        var (path, _) = Writes.Single(e => e.Name == name).Request(await WorldAsync());
        var huge = JsonSerializer.Serialize(new { reason = new string('x', 300 * 1024), note = "too much" });

        await RefusedAsync(() => factory.Editor.PostJsonAsync(path, huge), HttpStatusCode.RequestEntityTooLarge, "request-too-large");
    }

    [Theory]
    [MemberData(nameof(WriteEndpoints))]
    public async Task A_malformed_If_Match_is_400(string name)
    {
        var (path, body) = Writes.Single(e => e.Name == name).Request(await WorldAsync());

        await RefusedAsync(() => factory.Editor.PostJsonAsync(path, body, ("If-Match", "\"three\"")), HttpStatusCode.BadRequest, "malformed-request");
        await RefusedAsync(() => factory.Editor.PostJsonAsync(path, body, ("If-Match", "W/\"3\"")), HttpStatusCode.BadRequest, "malformed-request");
        await RefusedAsync(() => factory.Editor.PostJsonAsync(path, body, ("If-Match", "3")), HttpStatusCode.BadRequest, "malformed-request");
    }

    [Theory]
    [MemberData(nameof(WriteEndpoints))]
    public async Task A_stale_If_Match_is_412_and_the_current_one_succeeds(string name)
    {
        var endpoint = Writes.Single(e => e.Name == name);
        var world = await WorldAsync();
        var (path, body) = endpoint.Request(world);
        if (name == "rate source")
        {
            using var first = await factory.Editor.PostOkAsync(path, body, HttpStatusCode.OK);
        }

        // A stream that does not exist yet is at version 0; the world's source is at 2 by now, its fact at 4.
        var problem = await RefusedAsync(() => factory.Editor.PostJsonAsync(path, body, ("If-Match", "\"1\"")),
            HttpStatusCode.PreconditionFailed, "concurrency-conflict");
        Assert.Equal(1, problem.GetProperty("expectedVersion").GetInt64());

        var current = endpoint.Creates ? "0" : name == "rate source" ? "2" : "4";
        using var fresh = await factory.Editor.PostJsonAsync(path, body, ("If-Match", $"\"{current}\""));
        Assert.True(fresh.IsSuccessStatusCode, $"{(int)fresh.StatusCode}: {await fresh.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Unknown_sources_facts_claims_and_disputes_are_404()
    {
        var world = await WorldAsync();

        await RefusedAsync(() => factory.Editor.PostJsonAsync("/api/sources/no-such-source/ratings", """{ "reliability": 0.5, "reason": "r" }"""),
            HttpStatusCode.NotFound, "not-found", "unknown-source");
        await RefusedAsync(() => factory.Checker.PostJsonAsync("/api/facts/no.such-fact/claims", Scenario.ClaimJson(world.SourceId)),
            HttpStatusCode.NotFound, "not-found", "unknown-fact");
        // Each action with a body it accepts: unknown properties would be refused (400) before the claim is looked up.
        foreach (var (action, body) in new[]
        {
            ("disputes", """{ "reason": "r" }"""), ("endorsements", """{ "note": "n" }"""), ("retraction", """{ "reason": "r" }"""),
            ("corrections", $$"""{ "reason": "r", "value": {{Scenario.AboutTenYears}} }"""), ("disputes/d-1/resolution", """{ "outcome": "upheld", "note": "n" }"""),
        })
        {
            await RefusedAsync(() => factory.Editor.PostJsonAsync($"/api/claims/no-such-claim/{action}", body), HttpStatusCode.NotFound, "not-found");
        }
        await RefusedAsync(() => factory.Editor.PostJsonAsync($"/api/claims/{world.DisputedClaimId}/disputes/no-such-dispute/resolution",
            """{ "outcome": "upheld" }"""), HttpStatusCode.NotFound, "not-found", "unknown-dispute");
    }

    [Theory]
    [InlineData("status value on a quantity fact", """{ "kind": "status", "status": "member" }""", null, 422, "validation-failed")]
    [InlineData("text value on a quantity fact", """{ "kind": "text", "text": "twenty years" }""", null, 422, "validation-failed")]
    [InlineData("area unit on a duration fact", """{ "kind": "quantity", "amount": "3", "unit": "km2" }""", null, 422, "validation-failed")]
    [InlineData("unknown value kind", """{ "kind": "colour", "colour": "red" }""", null, 400, "malformed-request")]
    [InlineData("value without a kind", """{ "amount": "2", "unit": "decade" }""", null, 400, "malformed-request")]
    [InlineData("quantity without an amount", """{ "kind": "quantity", "unit": "year" }""", null, 422, "validation-failed")]
    [InlineData("amount that is not a number", """{ "kind": "quantity", "amount": "lots", "unit": "year" }""", null, 422, "validation-failed")]
    [InlineData("month 13", null, """{ "at": "2017-13" }""", 400, "malformed-request")]
    [InlineData("30 February", null, """{ "at": "2017-02-30" }""", 400, "malformed-request")]
    [InlineData("date as a number", null, """{ "at": 2017 }""", 400, "malformed-request")]
    [InlineData("free-text date", null, """{ "at": "last year" }""", 400, "malformed-request")]
    [InlineData("backwards interval", null, """{ "from": "2025", "to": "2017" }""", 422, "validation-failed")]
    [InlineData("instant and interval", null, """{ "at": "2017", "from": "2016" }""", 422, "validation-failed")]
    [InlineData("the last representable year", null, """{ "at": "9999" }""", 422, "validation-failed")]
    [InlineData("an interval ending in the last representable year", null, """{ "from": "2001", "to": "9999-12" }""", 422, "validation-failed")]
    public async Task Bad_claim_values_and_valid_times_are_refused(string label, string? value, string? validTime, int status, string type)
    {
        _ = label;
        var world = await WorldAsync();
        var body = Scenario.ClaimJson(world.SourceId, value ?? Scenario.MoreThanTwoDecades, validTime ?? """{ "at": "2025-11-21" }""");

        await RefusedAsync(() => factory.Checker.PostJsonAsync($"/api/facts/{world.FactId}/claims", body), (HttpStatusCode)status, type);
        if (value is not null)
        {
            await RefusedAsync(() => factory.Editor.PostJsonAsync($"/api/claims/{world.ClaimId}/corrections", $$"""{ "value": {{value}}, "reason": "fix" }"""),
                (HttpStatusCode)status, type);
        }
    }

    [Fact]
    public async Task Other_bad_claims_say_which_rule_they_broke()
    {
        var world = await WorldAsync();
        var claims = $"/api/facts/{world.FactId}/claims";

        await RefusedAsync(() => factory.Checker.PostJsonAsync(claims, Scenario.ClaimJson(world.SourceId, """{ "kind": "status", "status": "member" }""")),
            HttpStatusCode.UnprocessableEntity, "validation-failed", "value-type-mismatch");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(claims, Scenario.ClaimJson(world.SourceId, """{ "kind": "quantity", "amount": "3", "unit": "km2" }""")),
            HttpStatusCode.UnprocessableEntity, "validation-failed");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(claims, Scenario.ClaimJson("no-such-source")),
            HttpStatusCode.UnprocessableEntity, "validation-failed", "unknown-source");
        var empty = await RefusedAsync(() => factory.Checker.PostJsonAsync(claims, Scenario.ClaimJson(world.SourceId, quote: "")),
            HttpStatusCode.UnprocessableEntity, "validation-failed");
        Assert.True(empty.GetProperty("errors").TryGetProperty("quote", out _));
        await RefusedAsync(() => factory.Checker.PostJsonAsync(claims, Scenario.ClaimJson(world.SourceId, quote: "   ")),
            HttpStatusCode.UnprocessableEntity, "validation-failed");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(claims, Scenario.ClaimJson(world.SourceId, id: "Not A Slug")),
            HttpStatusCode.UnprocessableEntity, "validation-failed", "bad-claim-id");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(claims, Scenario.ClaimJson(world.SourceId, id: world.ClaimId)),
            HttpStatusCode.Conflict, "conflict", "claim-exists");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(claims,
                Scenario.ClaimJson(world.SourceId).Replace("\"paragraph\": 5", "\"paragraph\": 0", StringComparison.Ordinal)),
            HttpStatusCode.UnprocessableEntity, "validation-failed", "bad-locator");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(claims,
                Scenario.ClaimJson(world.SourceId).Replace("\"paragraph\": 5", "\"paragraph\": \"five\"", StringComparison.Ordinal)),
            HttpStatusCode.BadRequest, "malformed-request");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(claims,
                Scenario.ClaimJson(world.SourceId, """{ "kind": "quantity", "amount": "5", "amountTo": "3", "unit": "year", "approx": "range" }""")),
            HttpStatusCode.UnprocessableEntity, "validation-failed", "bad-range");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(claims,
                Scenario.ClaimJson(world.SourceId, """{ "kind": "quantity", "amount": "2", "unit": "decade", "approx": "roughly" }""")),
            HttpStatusCode.BadRequest, "malformed-request");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(claims, """{ "sourceId": "x", "quote": "q" }"""),
            HttpStatusCode.UnprocessableEntity, "validation-failed");
    }

    [Fact]
    public async Task A_claim_id_used_on_another_fact_is_409_not_500()
    {
        var world = await WorldAsync();
        var otherFact = await factory.DefineQuantityFactAsync();

        await RefusedAsync(() => factory.Checker.PostJsonAsync($"/api/facts/{otherFact}/claims", Scenario.ClaimJson(world.SourceId, id: world.ClaimId)),
            HttpStatusCode.Conflict, "conflict", "claim-exists");
        using var original = await factory.Anonymous.GetAsync($"/api/claims/{world.ClaimId}");
        Assert.Equal(world.FactId, (await original.BodyAsync()).GetProperty("factId").GetString());
    }

    [Fact]
    public async Task Date_values_without_a_date_or_beyond_the_calendar_are_refused()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var factId = Scenario.Id("sco.founded");
        using (await factory.Editor.PostOkAsync("/api/facts",
            $$"""{ "id": "{{factId}}", "subject": "sco", "property": "founded", "valueType": "date", "description": "When the SCO was founded." }"""))
        {
        }

        await RefusedAsync(() => factory.Checker.PostJsonAsync($"/api/facts/{factId}/claims",
            Scenario.ClaimJson(source, """{ "kind": "date", "approx": "exact" }""")), HttpStatusCode.UnprocessableEntity, "validation-failed", "missing-date");
        await RefusedAsync(() => factory.Checker.PostJsonAsync($"/api/facts/{factId}/claims",
            Scenario.ClaimJson(source, """{ "kind": "date", "date": "0001", "approx": "about" }""")), HttpStatusCode.UnprocessableEntity, "validation-failed", "date-out-of-range");
        await RefusedAsync(() => factory.Checker.PostJsonAsync($"/api/facts/{factId}/claims",
            Scenario.ClaimJson(source, """{ "kind": "date", "date": "9998", "approx": "about" }""")), HttpStatusCode.UnprocessableEntity, "validation-failed", "date-out-of-range");
        await RefusedAsync(() => factory.Checker.PostJsonAsync($"/api/facts/{factId}/claims",
            Scenario.ClaimJson(source, """{ "kind": "date", "date": "2001-06-31" }""")), HttpStatusCode.BadRequest, "malformed-request");
    }

    [Theory]
    [InlineData("publishedOn month 13", "\"publishedOn\": \"2025-11-21\"", "\"publishedOn\": \"2025-13-01\"", 400, "malformed-request", null)]
    [InlineData("publishedOn as a number", "\"publishedOn\": \"2025-11-21\"", "\"publishedOn\": 20251121", 400, "malformed-request", null)]
    [InlineData("publishedOn in words", "\"publishedOn\": \"2025-11-21\"", "\"publishedOn\": \"21 November 2025\"", 400, "malformed-request", null)]
    [InlineData("unknown kind", "\"kind\": \"news\"", "\"kind\": \"blog\"", 422, "validation-failed", "unknown-source-kind")]
    [InlineData("id not a slug", "\"id\": \"", "\"id\": \"Xinhua ", 422, "validation-failed", "bad-source-id")]
    [InlineData("no title", "\"title\": \"SCO plays key role in boosting cooperation\"", "\"title\": \"\"", 422, "validation-failed", null)]
    public async Task Bad_sources_are_refused(string label, string find, string replace, int status, string type, string? code)
    {
        _ = label;
        var body = Scenario.SourceJson(Scenario.Id("src"), "Xinhua").Replace(find, replace, StringComparison.Ordinal);
        Assert.Contains(replace, body, StringComparison.Ordinal);

        await RefusedAsync(() => factory.Checker.PostJsonAsync("/api/sources", body), (HttpStatusCode)status, type, code);
    }

    [Fact]
    public async Task A_source_registered_twice_is_409()
    {
        var id = await factory.RegisterSourceAsync("Xinhua");

        await RefusedAsync(() => factory.Checker.PostJsonAsync("/api/sources", Scenario.SourceJson(id, "Xinhua")),
            HttpStatusCode.Conflict, "conflict", "source-exists");
    }

    [Theory]
    [InlineData("""{ "reliability": 1.5, "reason": "r" }""", 422, "validation-failed", "reliability-out-of-range")]
    [InlineData("""{ "reliability": -0.1, "reason": "r" }""", 422, "validation-failed", "reliability-out-of-range")]
    [InlineData("""{ "reliability": "high", "reason": "r" }""", 400, "malformed-request", null)]
    [InlineData("""{ "reliability": 0.5 }""", 422, "validation-failed", null)]
    [InlineData("""{ "reason": "r" }""", 422, "validation-failed", null)]
    public async Task Bad_ratings_are_refused(string body, int status, string type, string? code)
    {
        var source = await factory.RegisterSourceAsync("Xinhua");

        await RefusedAsync(() => factory.Editor.PostJsonAsync($"/api/sources/{source}/ratings", body), (HttpStatusCode)status, type, code);
    }

    [Theory]
    [InlineData("""{ "valueType": "colour" }""", "unknown-value-type")]
    [InlineData("""{ "valueType": "quantity", "unit": null }""", "unknown-unit")]
    [InlineData("""{ "valueType": "quantity", "unit": "furlongs" }""", "unknown-unit")]
    [InlineData("""{ "valueType": "status", "unit": null }""", "bad-allowed-statuses")]
    [InlineData("""{ "valueType": "text", "unit": "year" }""", "unexpected-unit")]
    [InlineData("""{ "id": "SCO Age" }""", "bad-fact-id")]
    [InlineData("""{ "qualifiers": { "state": "" } }""", "bad-qualifier")]
    [InlineData("""{ "qualifiers": { "state": null } }""", "bad-qualifier")]
    [InlineData("""{ "valueType": "status", "unit": null, "allowedStatuses": [null, "member"] }""", "bad-allowed-statuses")]
    [InlineData("""{ "valueType": "status", "unit": null, "allowedStatuses": ["member", "member"] }""", "bad-allowed-statuses")]
    public async Task Bad_fact_definitions_are_refused(string overrides, string code)
    {
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Scenario.QuantityFactJson(Scenario.Id("sco.age")))!;
        foreach (var (key, value) in JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(overrides)!)
            body[key] = value;

        await RefusedAsync(() => factory.Editor.PostJsonAsync("/api/facts", JsonSerializer.Serialize(body)), HttpStatusCode.UnprocessableEntity, "validation-failed", code);
    }

    [Fact]
    public async Task Bad_disputes_and_rulings_are_refused()
    {
        var world = await WorldAsync();
        var disputes = $"/api/claims/{world.ClaimId}/disputes";

        await RefusedAsync(() => factory.Checker.PostJsonAsync(disputes, """{ "reason": "r", "counterEvidence": { "sourceId": "no-such-source", "quote": "q" } }"""),
            HttpStatusCode.UnprocessableEntity, "validation-failed", "unknown-source");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(disputes, $$"""{ "reason": "r", "counterEvidence": { "sourceId": "{{world.SourceId}}", "quote": "" } }"""),
            HttpStatusCode.UnprocessableEntity, "validation-failed", "empty-quote");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(disputes, """{ "reason": "r", "counterEvidence": { "quote": "no source" } }"""),
            HttpStatusCode.UnprocessableEntity, "validation-failed", "unknown-source");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(disputes, """{ "reason": "r", "counterEvidence": "Xinhua" }"""),
            HttpStatusCode.BadRequest, "malformed-request");
        await RefusedAsync(() => factory.Checker.PostJsonAsync(disputes, """{ "reason": "" }"""), HttpStatusCode.UnprocessableEntity, "validation-failed");
        await RefusedAsync(() => factory.Checker.PostJsonAsync($"/api/claims/{world.DisputedClaimId}/disputes", """{ "reason": "again" }"""),
            HttpStatusCode.Conflict, "conflict", "dispute-open");

        var resolution = $"/api/claims/{world.DisputedClaimId}/disputes/{world.DisputeId}/resolution";
        await RefusedAsync(() => factory.Editor.PostJsonAsync(resolution, """{ "outcome": "maybe" }"""), HttpStatusCode.UnprocessableEntity, "validation-failed", "bad-outcome");
        await RefusedAsync(() => factory.Editor.PostJsonAsync(resolution, """{ "note": "no outcome" }"""), HttpStatusCode.UnprocessableEntity, "validation-failed");
        using (await factory.Editor.PostOkAsync(resolution, """{ "outcome": "rejected" }""", HttpStatusCode.OK))
        {
        }
        await RefusedAsync(() => factory.Editor.PostJsonAsync(resolution, """{ "outcome": "upheld" }"""), HttpStatusCode.Conflict, "conflict", "dispute-resolved");
    }

    [Fact]
    public async Task Bad_corrections_retractions_and_endorsements_are_refused()
    {
        var world = await WorldAsync();
        var claim = $"/api/claims/{world.ClaimId}";

        await RefusedAsync(() => factory.Editor.PostJsonAsync($"{claim}/corrections", $$"""{ "value": {{Scenario.MoreThanTwoDecades}}, "reason": "same" }"""),
            HttpStatusCode.UnprocessableEntity, "validation-failed", "no-change");
        await RefusedAsync(() => factory.Editor.PostJsonAsync($"{claim}/corrections", $$"""{ "value": {{Scenario.AboutTenYears}} }"""),
            HttpStatusCode.UnprocessableEntity, "validation-failed");
        await RefusedAsync(() => factory.Editor.PostJsonAsync($"{claim}/retraction", """{ "reason": " " }"""), HttpStatusCode.UnprocessableEntity, "validation-failed");
        using (await factory.Checker.PostOkAsync($"{claim}/endorsements", "{}", HttpStatusCode.OK))
        {
        }
        await RefusedAsync(() => factory.Checker.PostJsonAsync($"{claim}/endorsements", "{}"), HttpStatusCode.Conflict, "conflict", "already-endorsed");
        using (await factory.Editor.PostOkAsync($"{claim}/retraction", """{ "reason": "wrong article" }""", HttpStatusCode.OK))
        {
        }
        await RefusedAsync(() => factory.Editor.PostJsonAsync($"{claim}/retraction", """{ "reason": "again" }"""), HttpStatusCode.Conflict, "conflict", "claim-retracted");
        await RefusedAsync(() => factory.Editor.PostJsonAsync($"{claim}/endorsements", "{}"), HttpStatusCode.Conflict, "conflict", "claim-retracted");
    }

    [Theory]
    [InlineData("/api/facts?validAt=2017-13")]
    [InlineData("/api/facts?validAt=yesterday")]
    [InlineData("/api/facts?knownAt=garbage")]
    [InlineData("/api/facts?limit=0")]
    [InlineData("/api/facts?limit=1001")]
    [InlineData("/api/facts?limit=ten")]
    [InlineData("/api/facts?cursor=garbage")]
    [InlineData("/api/facts?cursor=%25%25%25")]
    [InlineData("/api/facts?verdict=maybe")]
    [InlineData("/api/facts/{fact}?validAt=2017-13")]
    [InlineData("/api/facts/{fact}?knownAt=garbage")]
    [InlineData("/api/facts/{fact}/claims?knownAt=garbage")]
    [InlineData("/api/claims/{claim}?knownAt=2026-02-30")]
    [InlineData("/api/subjects/sco?validAt=2017-00")]
    [InlineData("/api/subjects/sco?limit=-1")]
    [InlineData("/api/subjects/sco?cursor=garbage")]
    [InlineData("/api/sources?limit=0")]
    [InlineData("/api/sources?cursor=garbage")]
    [InlineData("/api/sources?orderBy=colour")]
    public async Task Bad_query_parameters_on_reads_are_400(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var world = await WorldAsync();
        var path = template.Replace("{fact}", world.FactId, StringComparison.Ordinal).Replace("{claim}", world.ClaimId, StringComparison.Ordinal);

        await RefusedAsync(() => factory.Anonymous.GetAsync(path), HttpStatusCode.BadRequest, "malformed-request");
    }

    [Theory]
    [InlineData("/api/facts/{fact}?validAt=9999")]
    [InlineData("/api/facts/{fact}?validAt=0001-01-01")]
    [InlineData("/api/facts/{fact}?knownAt=0001-01-01")]
    [InlineData("/api/facts/{fact}?knownAt=9999-12-31T23:59:59Z")]
    [InlineData("/api/facts?validAt=9999&knownAt=0001-01-01")]
    [InlineData("/api/subjects/sco?validAt=0001")]
    [InlineData("/api/claims/{claim}?knownAt=0001-01-01")]
    public async Task Extreme_but_valid_query_values_never_answer_500(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var world = await WorldAsync();
        var path = template.Replace("{fact}", world.FactId, StringComparison.Ordinal).Replace("{claim}", world.ClaimId, StringComparison.Ordinal);

        using var response = await factory.Anonymous.GetAsync(path);

        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    // A NUL in the path itself is refused by the server before routing (the test server throws on it instead).
    [Theory]
    [InlineData("/api/facts?subject=a%00b")]
    [InlineData("/api/facts?property=a%00b")]
    [InlineData("/api/facts?source=a%00b")]
    [InlineData("/api/facts?subject=a%00b&validAt=2020")]
    public async Task A_NUL_character_in_a_filter_is_400(string path)
    {
        await RefusedAsync(() => factory.Anonymous.GetAsync(path), HttpStatusCode.BadRequest, "malformed-request");
    }

    [Fact]
    public async Task A_NUL_character_in_a_written_id_is_400()
    {
        var world = await WorldAsync();

        foreach (var (path, body) in new[]
        {
            ("/api/sources", Scenario.SourceJson("bad\\u0000id", "Xinhua")),
            ("/api/facts", Scenario.QuantityFactJson("bad\\u0000id")),
            ($"/api/facts/{world.FactId}/claims", Scenario.ClaimJson("bad\\u0000source")),
            ($"/api/facts/{world.FactId}/claims", Scenario.ClaimJson(world.SourceId, id: "bad\\u0000claim")),
        })
        {
            var problem = await RefusedAsync(() => factory.Editor.PostJsonAsync(path, body), HttpStatusCode.BadRequest, "malformed-request");
            Assert.Contains("NUL", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    /// <summary>Sends the request, asserts a problem of that status and type (and domain code), and that no event was stored.</summary>
    private async Task<JsonElement> RefusedAsync(Func<Task<HttpResponseMessage>> send, HttpStatusCode status, string type, string? code = null)
    {
        var before = await factory.CountEventsAsync();
        using var response = await send();
        var problem = await ProblemAssert.IsProblemAsync(response, status, type);
        if (code is not null)
            Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(before, await factory.CountEventsAsync());
        return problem;
    }

    private async Task<World> WorldAsync()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var claim = await factory.RecordClaimAsync(fact, source);
        var disputed = await factory.RecordClaimAsync(fact, source, Scenario.AboutTenYears);
        var dispute = await factory.DisputeAsync(disputed);
        return new World(source, fact, claim, disputed, dispute);
    }
}
