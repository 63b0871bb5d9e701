using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SCOFacts.Api.Storage;

namespace SCOFacts.Api.Tests.Trust;

/// <summary>
/// Learned source trust through the API, with the real host's projection daemon running: reliabilities are
/// learned from claims across facts, used where no editor rated the source, moved by ratings and upheld
/// disputes once the daemon catches up, and read as they stood at a moment with knownAt.
/// </summary>
public sealed class LearnedTrustTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const int HistoryFacts = 6;

    /// <summary>
    /// A reliable source "good" and three unreliable ones that outnumber it on one contested fact. Elsewhere, on
    /// <see cref="HistoryFacts"/> facts, "good" agrees with independent witnesses and each bad source goes its own
    /// wrong way, which is what the estimator learns from.
    /// </summary>
    private async Task<Scenario> BuildAsync(string prefix)
    {
        var s = new Scenario(prefix);
        await RegisterAsync(s.Good, "Good Times");
        foreach (var bad in s.Bad) await RegisterAsync(bad, $"Bad Press {bad}");
        await DefineAsync(s.Contested);
        await ClaimAsync(s.Contested, $"{prefix}-c-good", s.Good, "right");
        foreach (var bad in s.Bad) await ClaimAsync(s.Contested, $"{prefix}-c-{bad}", bad, "wrong");
        for (var i = 0; i < HistoryFacts; i++)
        {
            var fact = s.History(i);
            await DefineAsync(fact);
            await ClaimAsync(fact, s.GoodHistoryClaim(i), s.Good, "truth");
            foreach (var witness in new[] { "x", "y" })
            {
                var id = $"{prefix}-w{witness}{i}";
                await RegisterAsync(id, $"Witness {witness} {prefix} {i}");
                await ClaimAsync(fact, $"{prefix}-h{i}-{witness}", id, "truth");
            }
            foreach (var bad in s.Bad) await ClaimAsync(fact, $"{prefix}-h{i}-{bad}", bad, $"error-{bad}-{i}");
        }
        await CaughtUpAsync();
        return s;
    }

    [Fact]
    public async Task A_reliable_minority_beats_an_unreliable_majority_once_reliability_is_learned_elsewhere()
    {
        var s = await BuildAsync("min");

        var good = await SourceAsync(s.Good);
        Assert.Equal("learned", good.GetProperty("reliability").GetProperty("origin").GetString());
        Assert.Equal(HistoryFacts + 1, good.GetProperty("reliability").GetProperty("support").GetInt32());
        Assert.NotEmpty(good.GetProperty("reliability").GetProperty("learnedHistory").EnumerateArray());
        var bad = await SourceAsync(s.Bad[0]);
        Assert.True(Learned(good) > 0.8, $"good learned {Learned(good)}");
        Assert.True(Learned(bad) < 0.3, $"bad learned {Learned(bad)}");

        var contested = await FactAsync(s.Contested);
        Assert.Equal("right", ValueKey(contested));
        var used = Reliability(contested, s.Good);
        Assert.Equal("learned", used.GetProperty("origin").GetString());
        Assert.Equal(HistoryFacts + 1, used.GetProperty("support").GetInt32());
        Assert.Equal(Learned(good), used.GetProperty("reliability").GetDouble());

        // The listing, too, was reconciled again by the daemon.
        var listed = await factory.Anonymous.GetFromJsonAsync<JsonElement>($"/api/facts?subject={s.Contested}");
        Assert.Equal(contested.GetProperty("value").GetProperty("display").GetString(), listed.GetProperty("items")[0].GetProperty("value").GetString());
    }

    [Fact]
    public async Task Upheld_disputes_lower_a_learned_reliability_and_flip_facts_that_rest_on_it_but_not_as_known_before()
    {
        var s = await BuildAsync("dis");
        Assert.Equal("right", ValueKey(await FactAsync(s.Contested)));
        var goodBefore = Learned(await SourceAsync(s.Good));
        var before = await NowAsync();

        for (var i = 0; i < HistoryFacts; i++)
        {
            var claim = s.GoodHistoryClaim(i);
            await PostAsync(factory.Checker, $"/api/claims/{claim}/disputes", new { id = $"{claim}-d", reason = "misquoted" });
            await PostAsync(factory.Editor, $"/api/claims/{claim}/disputes/{claim}-d/resolution", new { outcome = "upheld", note = "checked" });
        }
        await CaughtUpAsync();

        var good = await SourceAsync(s.Good);
        Assert.True(Learned(good) < goodBefore - 0.3, $"good learned {goodBefore} -> {Learned(good)}");
        var history = good.GetProperty("reliability").GetProperty("learnedHistory").EnumerateArray().ToList();
        Assert.True(history.Count >= 2);
        Assert.Equal(Learned(good), history[^1].GetProperty("reliability").GetDouble());

        // None of the contested fact's own claims changed: only the weights learned elsewhere did.
        var contested = await FactAsync(s.Contested);
        Assert.Equal("wrong", ValueKey(contested));
        Assert.Equal(Learned(good), Reliability(contested, s.Good).GetProperty("reliability").GetDouble());

        var asKnown = await FactAsync(s.Contested, before);
        Assert.Equal("right", ValueKey(asKnown));
        Assert.Equal(goodBefore, Reliability(asKnown, s.Good).GetProperty("reliability").GetDouble());
    }

    [Fact]
    public async Task Rating_a_source_moves_what_is_learned_about_others_and_the_views_citing_them_but_not_as_known_before()
    {
        var s = await BuildAsync("rate");
        var goodBefore = Learned(await SourceAsync(s.Good));
        var historyFact = s.History(0);
        var viewBefore = await FactAsync(historyFact);
        Assert.Equal(goodBefore, Reliability(viewBefore, s.Good).GetProperty("reliability").GetDouble());
        var before = await NowAsync();

        // An editor vouches for the source that contradicts "good" on the contested fact.
        await PostAsync(factory.Editor, $"/api/sources/{s.Bad[0]}/ratings", new { reliability = 0.95, reason = "audited" });
        await CaughtUpAsync();

        var rated = await SourceAsync(s.Bad[0]);
        Assert.Equal("rated", rated.GetProperty("reliability").GetProperty("origin").GetString());
        var good = await SourceAsync(s.Good);
        Assert.Equal("learned", good.GetProperty("reliability").GetProperty("origin").GetString());
        Assert.True(Learned(good) < goodBefore, $"good learned {goodBefore} -> {Learned(good)}");

        var view = await FactAsync(historyFact);
        var used = Reliability(view, s.Good);
        Assert.Equal("learned", used.GetProperty("origin").GetString());
        Assert.Equal(Learned(good), used.GetProperty("reliability").GetDouble());
        Assert.Equal("rated", Reliability(view, s.Bad[0]).GetProperty("origin").GetString());

        var asKnown = await FactAsync(historyFact, before);
        Assert.Equal(goodBefore, Reliability(asKnown, s.Good).GetProperty("reliability").GetDouble());
        Assert.Equal("learned", Reliability(asKnown, s.Bad[0]).GetProperty("origin").GetString());
    }

    [Fact]
    public async Task A_full_re_estimation_on_demand_is_for_editors_and_agrees_with_the_incremental_one()
    {
        var s = await BuildAsync("full");
        var goodBefore = Learned(await SourceAsync(s.Good));

        using var refused = await factory.Checker.PostAsync("/api/trust/estimations", null);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        // The estimation runs as a job: 202, where to watch it, and the run as the job's result once it has succeeded.
        using var accepted = await factory.Editor.PostAsJsonAsync("/api/trust/estimations", new { reason = "checking the daemon" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var location = accepted.Headers.Location?.OriginalString;
        var queued = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/api/jobs/{queued.GetProperty("id").GetString()}", location);
        Assert.Equal("trust-estimation", queued.GetProperty("kind").GetString());
        Assert.Equal("checking the daemon", queued.GetProperty("reason").GetString());
        Assert.Equal("editor:test-editor", queued.GetProperty("requestedBy").GetString());
        JsonElement job = default;
        await SCOFacts.Testing.Wait.UntilAsync(async () =>
        {
            job = await factory.Anonymous.GetFromJsonAsync<JsonElement>(location);
            return job.GetProperty("state").GetString() is "succeeded" or "failed";
        }, Timeout, "the estimation job has ended");
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        var run = job.GetProperty("result");

        Assert.Equal(0, run.GetProperty("sourcesChanged").GetInt32());
        Assert.True(run.GetProperty("claims").GetInt32() >= 4 + (HistoryFacts * 6));
        Assert.Equal(goodBefore, Learned(await SourceAsync(s.Good)));
    }

    [Fact]
    public async Task Sources_rank_by_the_reliability_reconciliation_uses()
    {
        var s = await BuildAsync("rank");
        var ranked = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await factory.Anonymous.GetFromJsonAsync<JsonElement>(
                $"/api/sources?orderBy=reliability&limit=7{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            ranked.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        var values = ranked.Select(r => r.GetProperty("reliability").GetProperty("value").GetDouble()).ToList();
        Assert.Equal(values.OrderDescending(), values);
        var ids = ranked.Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.True(ids.IndexOf(s.Good) < ids.IndexOf(s.Bad[0]));
    }

    private sealed record Scenario(string Prefix)
    {
        public string Good => $"{Prefix}-good";

        public string[] Bad => [$"{Prefix}-bad1", $"{Prefix}-bad2", $"{Prefix}-bad3"];

        public string Contested => $"{Prefix}-contested";

        public string History(int i) => $"{Prefix}-history-{i}";

        public string GoodHistoryClaim(int i) => $"{Prefix}-h{i}-good";
    }

    private async Task CaughtUpAsync()
    {
        await AsyncProjections.WaitForCatchUpAsync(factory.DataSource, Timeout);
    }

    private async Task<DateTimeOffset> NowAsync()
    {
        await using var command = factory.DataSource.CreateCommand("SELECT clock_timestamp()");
        return new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync())!, TimeSpan.Zero);
    }

    private Task RegisterAsync(string id, string publisher) =>
        PostAsync(factory.Checker, "/api/sources", new { id, title = $"Report {id}", publisher, kind = "news", language = "en" });

    private Task DefineAsync(string id) =>
        PostAsync(factory.Editor, "/api/facts", new { id, subject = id, property = "motto", valueType = "text", description = $"The motto of {id}" });

    private Task ClaimAsync(string factId, string id, string sourceId, string text) =>
        PostAsync(factory.Checker, $"/api/facts/{factId}/claims",
            new { id, sourceId, value = new { kind = "text", text }, validTime = new { at = "2025" }, quote = $"It is {text}." });

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, object? body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private Task<JsonElement> SourceAsync(string id) => factory.Anonymous.GetFromJsonAsync<JsonElement>($"/api/sources/{id}");

    private Task<JsonElement> FactAsync(string id, DateTimeOffset? knownAt = null) =>
        factory.Anonymous.GetFromJsonAsync<JsonElement>(knownAt is { } at
            ? $"/api/facts/{id}?knownAt={Uri.EscapeDataString(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture))}"
            : $"/api/facts/{id}");

    private static double Learned(JsonElement source) => source.GetProperty("reliability").GetProperty("learned").GetDouble();

    private static string? ValueKey(JsonElement fact) => fact.GetProperty("value").GetProperty("key").GetString();

    private static JsonElement Reliability(JsonElement fact, string sourceId) =>
        fact.GetProperty("reliabilities").EnumerateArray().Single(r => r.GetProperty("sourceId").GetString() == sourceId);
}
