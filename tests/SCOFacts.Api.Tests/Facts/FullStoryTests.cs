using System.Net;
using System.Text.Json;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>The whole life of one fact over HTTP: sources, definition, conflicting claims, a dispute, its ruling.</summary>
public sealed class FullStoryTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Conflicting_claims_are_contested_until_an_upheld_dispute_settles_them()
    {
        // Two publishers.
        var xinhuaId = Scenario.Id("xinhua");
        using var xinhua = await factory.Checker.PostOkAsync("/api/sources", Scenario.SourceJson(xinhuaId, "Xinhua"));
        Assert.Equal($"/api/sources/{xinhuaId}", xinhua.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", xinhua.Headers.ETag?.Tag);
        var xinhuaBody = await xinhua.BodyAsync();
        Assert.Equal("Xinhua", xinhuaBody.GetProperty("publisher").GetString());
        Assert.Equal("2025-11-21", xinhuaBody.GetProperty("publishedOn").GetString());
        Assert.Equal("default", xinhuaBody.GetProperty("reliability").GetProperty("origin").GetString());
        var tassId = await factory.RegisterSourceAsync("TASS");

        // A quantity fact.
        var factId = Scenario.Id("sco.age");
        using var defined = await factory.Editor.PostOkAsync("/api/facts", Scenario.QuantityFactJson(factId));
        Assert.Equal($"/api/facts/{factId}", defined.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", defined.Headers.ETag?.Tag);
        var fact = await defined.BodyAsync();
        Assert.Equal("unverified", fact.GetProperty("verdict").GetString());
        Assert.Equal(0, fact.GetProperty("claimCount").GetInt32());

        // Two claims that cannot both be right.
        using var first = await factory.Checker.PostOkAsync($"/api/facts/{factId}/claims", Scenario.ClaimJson(xinhuaId));
        var firstClaim = await first.BodyAsync();
        var xinhuaClaim = firstClaim.GetProperty("id").GetString()!;
        Assert.Equal($"/api/claims/{xinhuaClaim}", first.Headers.Location?.OriginalString);
        Assert.Equal("\"2\"", first.Headers.ETag?.Tag);
        Assert.Equal("active", firstClaim.GetProperty("status").GetString());
        Assert.Equal("checker:test-checker", firstClaim.GetProperty("recordedBy").GetString());
        Assert.Equal("Xinhua", firstClaim.GetProperty("publisher").GetString());
        Assert.Equal("more than 2 decades", firstClaim.GetProperty("valueText").GetString());

        var tassClaim = Scenario.Id("clm-tass");
        using var second = await factory.Checker.PostOkAsync($"/api/facts/{factId}/claims",
            Scenario.ClaimJson(tassId, Scenario.AboutTenYears, quote: "about ten years", id: tassClaim));
        Assert.Equal(tassClaim, (await second.BodyAsync()).GetProperty("id").GetString());
        Assert.Equal("\"3\"", second.Headers.ETag?.Tag);

        using (var contested = await factory.Anonymous.GetAsync($"/api/facts/{factId}"))
        {
            Assert.Equal(HttpStatusCode.OK, contested.StatusCode);
            Assert.StartsWith("\"3.", contested.Headers.ETag?.Tag);
            var body = await contested.BodyAsync();
            Assert.Equal("contested", body.GetProperty("verdict").GetString());
            Assert.Equal(3, body.GetProperty("version").GetInt64());
            Assert.Equal(2, body.GetProperty("claimCount").GetInt32());
            Assert.Single(body.GetProperty("conflicting").EnumerateArray());
        }

        // A checker disputes the outlier, an editor upholds the dispute.
        var disputeId = Scenario.Id("dsp");
        using var disputed = await factory.Checker.PostOkAsync($"/api/claims/{tassClaim}/disputes",
            $$"""{ "id": "{{disputeId}}", "reason": "Founded in 2001: more than twenty years by 2025.", "counterEvidence": { "sourceId": "{{xinhuaId}}", "quote": "more than two decades" } }""");
        Assert.Equal($"/api/claims/{tassClaim}#dispute-{disputeId}", disputed.Headers.Location?.OriginalString);
        Assert.Equal("\"4\"", disputed.Headers.ETag?.Tag);
        var disputedClaim = await disputed.BodyAsync();
        Assert.Equal("disputed", disputedClaim.GetProperty("status").GetString());
        var dispute = Assert.Single(disputedClaim.GetProperty("disputes").EnumerateArray());
        Assert.Equal("open", dispute.GetProperty("status").GetString());
        Assert.Equal("checker:test-checker", dispute.GetProperty("disputedBy").GetString());

        using var upheld = await factory.Editor.PostOkAsync($"/api/claims/{tassClaim}/disputes/{disputeId}/resolution",
            """{ "outcome": "upheld", "note": "The founding date is not in doubt." }""", HttpStatusCode.OK);
        Assert.Equal("\"5\"", upheld.Headers.ETag?.Tag);
        var upheldClaim = await upheld.BodyAsync();
        Assert.Equal("excluded", upheldClaim.GetProperty("status").GetString());
        var ruled = Assert.Single(upheldClaim.GetProperty("disputes").EnumerateArray());
        Assert.Equal("upheld", ruled.GetProperty("status").GetString());
        Assert.Equal("editor:test-editor", ruled.GetProperty("resolvedBy").GetString());

        using (var settled = await factory.Anonymous.GetAsync($"/api/facts/{factId}"))
        {
            Assert.StartsWith("\"5.", settled.Headers.ETag?.Tag);
            var body = await settled.BodyAsync();
            Assert.Equal("settled", body.GetProperty("verdict").GetString());
            Assert.Equal(5, body.GetProperty("version").GetInt64());
            var value = body.GetProperty("value");
            Assert.Equal(20, value.GetProperty("lower").GetDouble());
            Assert.False(value.GetProperty("lowerClosed").GetBoolean());
            Assert.Equal(JsonValueKind.Null, value.GetProperty("upper").ValueKind);
            Assert.Equal("year", value.GetProperty("unit").GetString());
            var explanation = body.GetProperty("explanation").GetString()!;
            Assert.Contains("TASS", explanation, StringComparison.Ordinal);
            Assert.Contains("dispute upheld", explanation, StringComparison.Ordinal);
            Assert.Equal(xinhuaClaim, Assert.Single(body.GetProperty("supporting").EnumerateArray()).GetProperty("id").GetString());
            Assert.Equal(tassClaim, Assert.Single(body.GetProperty("excluded").EnumerateArray()).GetProperty("id").GetString());
            Assert.Empty(body.GetProperty("conflicting").EnumerateArray());
        }

        // The claim and the fact's list of claims tell the same story.
        using (var claim = await factory.Anonymous.GetAsync($"/api/claims/{tassClaim}"))
        {
            Assert.StartsWith("\"5.", claim.Headers.ETag?.Tag);
            Assert.Equal("excluded", (await claim.BodyAsync()).GetProperty("status").GetString());
        }
        using (var claims = await factory.Anonymous.GetAsync($"/api/facts/{factId}/claims"))
        {
            var items = (await claims.BodyAsync()).GetProperty("items").EnumerateArray().ToList();
            Assert.Equal([xinhuaClaim, tassClaim], items.Select(c => c.GetProperty("id").GetString()));
            Assert.Equal(["active", "excluded"], items.Select(c => c.GetProperty("status").GetString()));
        }

        // Every event says who did it.
        var principals = await PrincipalsAsync(factId, xinhuaId, tassId);
        Assert.Equal(
            [
                (xinhuaId, "SourceRegistered", "checker:test-checker"),
                (tassId, "SourceRegistered", "editor:test-editor"),
                (factId, "FactDefined", "editor:test-editor"),
                (factId, "ClaimRecorded", "checker:test-checker"),
                (factId, "ClaimRecorded", "checker:test-checker"),
                (factId, "ClaimDisputed", "checker:test-checker"),
                (factId, "DisputeUpheld", "editor:test-editor"),
            ],
            principals);
    }

    [Fact]
    public async Task Time_travel_reads_what_was_believed_before_the_ruling()
    {
        var xinhua = await factory.RegisterSourceAsync("Xinhua");
        var tass = await factory.RegisterSourceAsync("TASS");
        var factId = await factory.DefineQuantityFactAsync();
        await factory.RecordClaimAsync(factId, xinhua);
        var outlier = await factory.RecordClaimAsync(factId, tass, Scenario.AboutTenYears);
        var dispute = await factory.DisputeAsync(outlier);
        var beforeRuling = await RecordedAtAsync(factId);
        using var _ = await factory.Editor.PostOkAsync($"/api/claims/{outlier}/disputes/{dispute}/resolution",
            """{ "outcome": "upheld", "note": "Founded 2001." }""", HttpStatusCode.OK);

        using var then = await factory.Anonymous.GetAsync($"/api/facts/{factId}?knownAt={Uri.EscapeDataString(beforeRuling.ToString("O"))}");
        using var now = await factory.Anonymous.GetAsync($"/api/facts/{factId}");

        Assert.Equal("contested", (await then.BodyAsync()).GetProperty("verdict").GetString());
        Assert.StartsWith("\"4.", then.Headers.ETag?.Tag);
        Assert.Equal("settled", (await now.BodyAsync()).GetProperty("verdict").GetString());
    }

    private async Task<List<(string, string, string)>> PrincipalsAsync(string factId, params string[] sourceIds)
    {
        await using var command = factory.DataSource.CreateCommand(
            "select stream_id, type, (jsonb_build_object('principal', user_name, 'correlationId', correlation_id, 'causationId', causation_id) || CASE WHEN jsonb_typeof(headers) = 'object' THEN headers ELSE '{}'::jsonb END)::text from mt_events where stream_id = any($1) order by seq_id");
        command.Parameters.Add(new() { Value = sourceIds.Select(s => "source-" + s).Append("fact-" + factId).ToArray() });
        var rows = new List<(string, string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var stream = reader.GetString(0);
            var id = stream[(stream.IndexOf('-', StringComparison.Ordinal) + 1)..];
            var metadata = JsonDocument.Parse(reader.GetString(2)).RootElement;
            rows.Add((id, reader.GetString(1), metadata.GetProperty("principal").GetString()!));
        }
        return rows;
    }

    private async Task<DateTimeOffset> RecordedAtAsync(string factId)
    {
        await using var command = factory.DataSource.CreateCommand("select max(timestamp) from mt_events where stream_id = $1");
        command.Parameters.Add(new() { Value = "fact-" + factId });
        return new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync())!, TimeSpan.Zero);
    }
}
