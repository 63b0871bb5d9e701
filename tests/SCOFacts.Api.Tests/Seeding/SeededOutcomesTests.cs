using System.Net;
using System.Text.Json;

namespace SCOFacts.Api.Tests.Seeding;

/// <summary>
/// The real seed set, loaded on start into a fresh database, reconciles to what the documents support
/// (seeds/EXPECTED.md says why). Where the outcome differs from EXPECTED.md the test pins what the
/// reconciliation actually does and says so.
/// </summary>
public sealed class SeededOutcomesTests(SeededApiFactory factory) : IClassFixture<SeededApiFactory>
{
    [Fact]
    public async Task The_seed_set_loads_completely_with_nothing_rejected()
    {
        Assert.Equal(1, await factory.ScalarAsync("select count(*) from seed_loads where name = $1", "sco-documents"));
        Assert.Equal(factory.Seeds.Claims.Count,
            await factory.ScalarAsync("select count(*) from mt_events where type = 'ClaimRecorded'"));
        Assert.Equal(factory.Seeds.Claims.Count,
            await factory.ScalarAsync("select count(distinct data->>'claimId') from mt_events where type = 'ClaimRecorded'"));
        Assert.Equal(factory.Seeds.Facts.Count, await factory.ScalarAsync("select count(*) from fact_views"));
        Assert.Equal(factory.Seeds.Sources.Count, await factory.ScalarAsync("select count(*) from source_views"));

        var indexed = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = factory.DataSource.CreateCommand("select claim_id from claim_index"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) indexed.Add(reader.GetString(0));
        }
        var missing = factory.Seeds.Claims.Select(c => c.Id).Where(id => !indexed.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"Seed claims missing from claim_index: {string.Join(", ", missing)}");
        // Every seed event was recorded through the command path as the seed principal (actions under their own).
        Assert.Equal(0, await factory.ScalarAsync(
            "select count(*) from mt_events where type in ('SourceRegistered', 'FactDefined', 'ClaimRecorded') and user_name <> 'seed-import'"));
    }

    [Fact]
    public async Task Founding_year_is_a_three_source_consensus_on_2001_and_the_shanghai_five_is_a_separate_fact()
    {
        var founded = await GetFactAsync("sco.founded-on");
        Assert.Equal("consensus", Verdict(founded));
        Assert.Equal("2001", Display(founded));
        Assert.Equal(["c-deng-001", "c-umarov-005", "c-unga-comm-010"], ClaimIds(founded, "supporting"));
        Assert.Empty(ClaimIds(founded, "conflicting"));

        var shanghaiFive = await GetFactAsync("shanghai-five.founded-on");
        Assert.Equal("single-source", Verdict(shanghaiFive));
        Assert.Equal("1996", Display(shanghaiFive));
    }

    [Fact]
    public async Task Age_is_settled_at_24_years_once_the_dispute_on_nearly_30_is_upheld()
    {
        var latest = await GetFactAsync("sco.age-years");
        Assert.Equal("settled", Verdict(latest));
        Assert.Equal("2025-12-10", latest.GetProperty("asOf").GetProperty("referenceDate").GetString());
        Assert.Equal((23.5, 24.5), Bounds(latest));
        Assert.Equal("24 years", Display(latest));
        Assert.Equal(["c-sun-006"], ClaimIds(latest, "supporting"));
        Assert.Equal(["c-umarov-003"], ClaimIds(latest, "excluded"));

        // Xinhua's "more than two decades" on its own date: open above, and Umarov's excluded figure does not count.
        var xinhuaDay = await GetFactAsync("sco.age-years", "2025-11-21");
        Assert.Equal("settled", Verdict(xinhuaDay));
        Assert.Equal((20.0, (double?)null), BoundsOpen(xinhuaDay));
        Assert.Equal(["c-xinhua-003", "c-xinhua-004"], ClaimIds(xinhuaDay, "supporting"));

        Assert.Equal("excluded", (await GetClaimAsync("c-umarov-003")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Population_share_moves_from_a_quarter_to_44_percent_to_nearly_half()
    {
        var before = await GetFactAsync("sco.population-share-of-world", "2010");
        Assert.Equal("single-source", Verdict(before));
        Assert.Equal((24.5, 25.5), Bounds(before));

        var enlarged = await GetFactAsync("sco.population-share-of-world", "2017");
        Assert.Equal("single-source", Verdict(enlarged));
        Assert.Equal((43.5, 44.5), Bounds(enlarged));
        Assert.Equal(["c-deng-016"], ClaimIds(enlarged, "supporting"));

        // validAt=2025 is 1 January 2025: only Umarov's year-dated claim covers it; the commentary is dated 2025-09.
        var year2025 = await GetFactAsync("sco.population-share-of-world", "2025");
        Assert.Equal((40.0, 50.0), Bounds(year2025));
        Assert.False(year2025.GetProperty("value").GetProperty("upperClosed").GetBoolean()); // "nearly half" stays below half

        var september = await GetFactAsync("sco.population-share-of-world", "2025-09-15");
        Assert.Equal("consensus", Verdict(september));
        Assert.Equal((40.0, 50.0), Bounds(september));
        Assert.Equal(["c-umarov-010", "c-unga-comm-014"], ClaimIds(september, "supporting"));

        var latest = await GetFactAsync("sco.population-share-of-world");
        Assert.Equal("consensus", Verdict(latest));
    }

    [Fact]
    public async Task The_rejected_dispute_leaves_its_claim_active()
    {
        var claim = await GetClaimAsync("c-unga-comm-014");
        Assert.Equal("active", claim.GetProperty("status").GetString());
        var dispute = Assert.Single(claim.GetProperty("disputes").EnumerateArray());
        Assert.Equal("d-003", dispute.GetProperty("id").GetString());
        Assert.Equal("rejected", dispute.GetProperty("status").GetString());
        Assert.Equal("editor:li", dispute.GetProperty("resolvedBy").GetString());
    }

    [Fact]
    public async Task The_upheld_dispute_excludes_one_third_and_leaves_about_a_quarter_of_the_land()
    {
        var claim = await GetClaimAsync("c-umarov-009");
        Assert.Equal("excluded", claim.GetProperty("status").GetString());
        Assert.Equal("upheld", Assert.Single(claim.GetProperty("disputes").EnumerateArray()).GetProperty("status").GetString());

        var latest = await GetFactAsync("sco.land-area-share-of-world");
        Assert.Equal((20.0, 30.0), Bounds(latest));
        Assert.Equal(["c-deng-019"], ClaimIds(latest, "supporting"));
        Assert.Equal("2017-01-01", latest.GetProperty("asOf").GetProperty("referenceDate").GetString());

        // In 2025 no standing claim remains: the 2017 figure is carried forward, and one-third never counts.
        var year2025 = await GetFactAsync("sco.land-area-share-of-world", "2025");
        Assert.Equal((20.0, 30.0), Bounds(year2025));
        Assert.Equal("2017-01-01", year2025.GetProperty("asOf").GetProperty("carriedForwardFrom").GetString());
        Assert.DoesNotContain("c-umarov-009", ClaimIds(year2025, "supporting"));
        // Settled, as EXPECTED.md says: the upheld dispute set aside the claim that spoke for 2025.
        Assert.Equal("settled", Verdict(year2025));
        Assert.Equal(["c-umarov-009"], ClaimIds(year2025, "excluded"));
    }

    [Fact]
    public async Task Development_bank_status_is_contested_on_the_day_of_the_decision_and_decided_after_it()
    {
        // Xinhua's "decided" (21 Nov 2025) is the latest statement: it holds until a source says otherwise, and
        // Umarov's "blocked" (undated period up to 2025) does not override it after that day.
        var latest = await GetFactAsync("sco-development-bank.status");
        Assert.Equal("single-source", Verdict(latest));
        Assert.Equal("decided", Display(latest));
        Assert.Equal("2025-11-21", latest.GetProperty("asOf").GetProperty("carriedForwardFrom").GetString());

        // On the day itself both statements stand, with equal default weights: only the two sides are pinned.
        var dayOf = await GetFactAsync("sco-development-bank.status", "2025-11-21");
        Assert.Equal("contested", Verdict(dayOf));
        var sides = ClaimIds(dayOf, "supporting").Concat(ClaimIds(dayOf, "conflicting")).Order(StringComparer.Ordinal);
        Assert.Equal(["c-umarov-018", "c-xinhua-005"], sides);

        // In 2020 Deng Hao (rated 0.8) has it under discussion against Umarov's blocked (default 0.5).
        var in2020 = await GetFactAsync("sco-development-bank.status", "2020");
        Assert.Equal("contested", Verdict(in2020));
        Assert.Equal("under-discussion", Display(in2020));
        Assert.Equal(["c-umarov-018"], ClaimIds(in2020, "conflicting"));

        // The commentary's "proposed" stays under an open dispute, and still counts.
        Assert.Equal("disputed", (await GetClaimAsync("c-unga-comm-018")).GetProperty("status").GetString());
        var september = await GetFactAsync("sco-development-bank.status", "2025-09-15");
        Assert.Contains("c-unga-comm-018", ClaimIds(september, "supporting").Concat(ClaimIds(september, "conflicting")));
    }

    [Fact]
    public async Task India_is_a_member_in_2025_and_no_document_speaks_of_2010()
    {
        var now = await GetFactAsync("sco.membership-status.india", "2025");
        Assert.Equal("consensus", Verdict(now));
        Assert.Equal("member", Display(now));
        Assert.Equal(["c-deng-010", "c-umarov-012"], ClaimIds(now, "supporting"));

        var september = await GetFactAsync("sco.membership-status.india", "2025-09-15");
        Assert.Equal(["c-deng-010", "c-umarov-012", "c-unga-comm-015"], ClaimIds(september, "supporting"));

        // Deng Hao dates India's accession to 2017; no document gives any status before that, so 2010 is unverified
        // (no value), not "not a member".
        var in2010 = await GetFactAsync("sco.membership-status.india", "2010");
        Assert.Equal("unverified", Verdict(in2010));
        Assert.Equal(JsonValueKind.Null, in2010.GetProperty("value").ValueKind);

        // Six members before the enlargement, eight after it (one source, endorsed).
        // Counts written in whole numbers are exact.
        Assert.Equal((6.0, 6.0), Bounds(await GetFactAsync("sco.member-count", "2016")));
        var after = await GetFactAsync("sco.member-count", "2018");
        Assert.Equal("single-source", Verdict(after));
        Assert.Equal((8.0, 8.0), Bounds(after));
    }

    [Fact]
    public async Task Single_source_and_consensus_event_facts()
    {
        var votes = await GetFactAsync("un-resolution.a-res-79-388.votes-in-favour");
        Assert.Equal("single-source", Verdict(votes));
        Assert.Equal((120.0, 120.0), Bounds(votes)); // a count written in whole numbers is exact
        Assert.Equal("120 votes", Display(votes));

        var observer = await GetFactAsync("sco.un-general-assembly-observer-since");
        Assert.Equal("single-source", Verdict(observer)); // December 2004 and 2004: one publisher, two precisions
        Assert.Equal("2004-12", Display(observer));

        var host = await GetFactAsync("sco-summit.2025.host-city");
        Assert.Equal("consensus", Verdict(host));
        Assert.Equal("Tianjin", Display(host));

        var end = await GetFactAsync("sco-summit.2025.end-date");
        Assert.Equal("consensus", Verdict(end));
        Assert.Equal("2025-09-01", Display(end));

        var armenia = await GetFactAsync("sco.membership-status.armenia");
        Assert.Equal("single-source", Verdict(armenia));
        Assert.Equal("applicant", Display(armenia));
    }

    private async Task<JsonElement> GetFactAsync(string factId, string? validAt = null)
    {
        var response = await factory.Anonymous.GetAsync($"/api/facts/{factId}" + (validAt is null ? "" : $"?validAt={validAt}"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {factId} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private async Task<JsonElement> GetClaimAsync(string claimId)
    {
        var response = await factory.Anonymous.GetAsync($"/api/claims/{claimId}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET claim {claimId} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private static string? Verdict(JsonElement fact) => fact.GetProperty("verdict").GetString();

    private static string? Display(JsonElement fact) => fact.GetProperty("value").GetProperty("display").GetString();

    private static (double, double) Bounds(JsonElement fact)
    {
        var value = fact.GetProperty("value");
        return (value.GetProperty("lower").GetDouble(), value.GetProperty("upper").GetDouble());
    }

    private static (double, double?) BoundsOpen(JsonElement fact)
    {
        var value = fact.GetProperty("value");
        var upper = value.GetProperty("upper");
        return (value.GetProperty("lower").GetDouble(), upper.ValueKind == JsonValueKind.Null ? null : upper.GetDouble());
    }

    private static List<string> ClaimIds(JsonElement fact, string list) =>
        fact.GetProperty(list).EnumerateArray().Select(c => c.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToList();
}
