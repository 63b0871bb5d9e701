using System.Net;
using System.Text.Json;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.TimeAndAudit;

/// <summary>Transaction time: what SCOFacts believed at a moment, rebuilt from the events (and source weights) recorded up to then.</summary>
public sealed class TransactionTimeTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static string Verdict(JsonElement fact) => fact.GetProperty("verdict").GetString()!;

    private static string? ClaimStatus(JsonElement fact, string claimId) =>
        new[] { "supporting", "conflicting", "excluded" }.SelectMany(list => fact.GetProperty(list).EnumerateArray())
            .Where(c => c.GetProperty("id").GetString() == claimId).Select(c => c.GetProperty("status").GetString()).SingleOrDefault();

    [Fact]
    public async Task KnownAt_answers_with_what_was_believed_then_and_later_ratings_do_not_rewrite_the_past()
    {
        const string fact = "tt.share";
        await RegisterSourceAsync(factory, "tt-wire", "Wire Service");
        await RegisterSourceAsync(factory, "tt-blog", "Some Blog");
        await DefineQuantityAsync(factory, fact, "percent");
        await RecordAsync(factory.Checker, fact, "tt-wire-44", "tt-wire", Quantity("44", "percent"), At("2025"));

        // t1: a conflicting claim; t2: it is disputed; t3: the dispute is upheld.
        await RecordAsync(factory.Checker, fact, "tt-blog-30", "tt-blog", Quantity("30", "percent"), At("2025"));
        var dispute = await PostAsync(factory.Checker, "/api/claims/tt-blog-30/disputes",
            new { id = "tt-d1", reason = "The blog misread the table." }, HttpStatusCode.Created);
        Assert.Equal("disputed", dispute.GetProperty("status").GetString());
        await PostAsync(factory.Editor, "/api/claims/tt-blog-30/disputes/tt-d1/resolution", new { outcome = "upheld", note = "Checked the table." }, HttpStatusCode.OK);

        var history = (await GetAsync(factory.Anonymous, $"/api/facts/{fact}/history?limit=100")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["FactDefined", "ClaimRecorded", "ClaimRecorded", "ClaimDisputed", "DisputeUpheld"], history.Select(h => h.GetProperty("type").GetString()));
        var recorded = history.Select(h => h.GetProperty("recordedAt").GetDateTimeOffset()).ToList();
        var (t0, t1, t2, t3) = (recorded[0], recorded[2], recorded[3], recorded[4]);
        Assert.True(t1 < t2 && t2 < t3, "events are recorded in time order");

        var before = await GetAsync(factory.Anonymous, $"/api/facts/{fact}?knownAt={Known(t0.AddMilliseconds(-1))}", HttpStatusCode.NotFound);
        Assert.Equal(404, before.GetProperty("status").GetInt32());

        var atT1 = await GetAsync(factory.Anonymous, $"/api/facts/{fact}?knownAt={Known(t1)}");
        Assert.Equal("contested", Verdict(atT1));
        Assert.Equal("active", ClaimStatus(atT1, "tt-blog-30"));
        Assert.Equal(3, atT1.GetProperty("version").GetInt64());

        // Just before t2 is still t1's belief.
        var justBeforeT2 = await GetAsync(factory.Anonymous, $"/api/facts/{fact}?knownAt={Known(t2.AddTicks(-10))}");
        Assert.Equal(3, justBeforeT2.GetProperty("version").GetInt64());

        var atT2 = await GetAsync(factory.Anonymous, $"/api/facts/{fact}?knownAt={Known(t2)}");
        Assert.Equal("contested", Verdict(atT2));
        Assert.Equal("disputed", ClaimStatus(atT2, "tt-blog-30"));
        Assert.Equal(4, atT2.GetProperty("version").GetInt64());

        var atT3 = await GetAsync(factory.Anonymous, $"/api/facts/{fact}?knownAt={Known(t3)}");
        Assert.Equal("settled", Verdict(atT3));
        Assert.Equal("excluded", ClaimStatus(atT3, "tt-blog-30"));
        Assert.Equal(t3, atT3.GetProperty("asOf").GetProperty("knownAt").GetDateTimeOffset());

        var currentBefore = await GetAsync(factory.Anonymous, $"/api/facts/{fact}");
        Assert.Equal("settled", Verdict(currentBefore));

        // A rating recorded after t2 changes today's answer, never the answer as known at t2.
        await PostAsync(factory.Editor, "/api/sources/tt-wire/ratings", new { reliability = 0.9, reason = "A wire service with a good record." }, HttpStatusCode.OK);

        var atT2Again = await GetAsync(factory.Anonymous, $"/api/facts/{fact}?knownAt={Known(t2)}");
        Assert.Equal(atT2.GetProperty("confidence").GetDouble(), atT2Again.GetProperty("confidence").GetDouble());
        Assert.Equal(atT2.GetProperty("reliabilities").GetRawText(), atT2Again.GetProperty("reliabilities").GetRawText());
        Assert.Equal(atT2.GetProperty("explanation").GetString(), atT2Again.GetProperty("explanation").GetString());
        // The rating came later; whether the daemon had learned a weight by t2 depends on its timing, a rating cannot have.
        Assert.All(atT2Again.GetProperty("reliabilities").EnumerateArray(), r => Assert.NotEqual("rated", r.GetProperty("origin").GetString()));

        var currentAfter = await GetAsync(factory.Anonymous, $"/api/facts/{fact}");
        Assert.NotEqual(currentBefore.GetProperty("confidence").GetDouble(), currentAfter.GetProperty("confidence").GetDouble());
        var wire = currentAfter.GetProperty("reliabilities").EnumerateArray().Single(r => r.GetProperty("sourceId").GetString() == "tt-wire");
        Assert.Equal((0.9, "rated"), (wire.GetProperty("reliability").GetDouble(), wire.GetProperty("origin").GetString()));
    }

    [Fact]
    public async Task KnownAt_works_on_the_timeline_and_members_too_and_malformed_knownAt_is_400()
    {
        const string fact = "tt.count";
        await RegisterSourceAsync(factory, "tt-almanac", "Almanac");
        await DefineQuantityAsync(factory, fact, "members");
        await RecordAsync(factory.Checker, fact, "tt-count-2017", "tt-almanac", Quantity("8", "members"), At("2017"));
        var firstKnown = (await GetAsync(factory.Anonymous, $"/api/facts/{fact}/history")).GetProperty("items")[1].GetProperty("recordedAt").GetDateTimeOffset();
        await RecordAsync(factory.Checker, fact, "tt-count-2025", "tt-almanac", Quantity("10", "members"), At("2025"));

        var then = await GetAsync(factory.Anonymous, $"/api/facts/{fact}/timeline?knownAt={Known(firstKnown)}");
        Assert.Single(then.GetProperty("segments").EnumerateArray());
        var now = await GetAsync(factory.Anonymous, $"/api/facts/{fact}/timeline");
        Assert.Equal(2, now.GetProperty("segments").GetArrayLength());

        await GetAsync(factory.Anonymous, $"/api/facts/{fact}?knownAt=not-a-time", HttpStatusCode.BadRequest);
        await GetAsync(factory.Anonymous, $"/api/facts/{fact}/timeline?knownAt=31/01/2026", HttpStatusCode.BadRequest);
        await GetAsync(factory.Anonymous, $"/api/facts/{fact}/timeline?knownAt=2000-01-01", HttpStatusCode.NotFound);
    }
}
