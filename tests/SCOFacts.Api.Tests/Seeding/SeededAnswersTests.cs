using System.Net;
using System.Text.Json;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.Seeding;

/// <summary>
/// What a fact-checker reading the seeded answers against the five documents found wrong, pinned on the real seed
/// set: exact figures, valid time before the SCO existed, a status that flipped back, reads without a date, the
/// land-area dispute, the members list's completeness, who is named, property names and timeless confidence.
/// </summary>
public sealed class SeededAnswersTests(SeededApiFactory factory) : IClassFixture<SeededApiFactory>
{
    [Fact]
    public async Task Bug_120_votes_in_favour_were_served_as_about_120_votes()
    {
        var votes = await GetAsync("/api/facts/un-resolution.a-res-79-388.votes-in-favour");

        Assert.Equal("120 votes", Display(votes));
        Assert.Equal((120.0, 120.0), Bounds(votes));
        var explanation = votes.GetProperty("explanation").GetString()!;
        Assert.Contains("at 120 votes.", explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("about 120", explanation, StringComparison.Ordinal);

        Assert.Equal("14 countries", Display(await GetAsync("/api/facts/sco.dialogue-partner-count")));
    }

    [Fact]
    public async Task The_served_value_is_a_claimed_one_and_the_supporting_claims_range_is_kept_as_detail()
    {
        var september = await GetAsync("/api/facts/sco.population-share-of-world?validAt=2025-09-15");

        Assert.Equal("nearly half", Display(september));
        var range = september.GetProperty("supportingRange");
        Assert.Equal((40.0, 50.0), (range.GetProperty("lower").GetDouble(), range.GetProperty("upper").GetDouble()));
        Assert.False(range.GetProperty("upperClosed").GetBoolean());
    }

    [Fact]
    public async Task Bug_the_member_count_answered_for_1995_before_the_sco_existed()
    {
        var in1995 = await GetAsync("/api/facts/sco.member-count?validAt=1995");

        Assert.Equal("unverified", in1995.GetProperty("verdict").GetString());
        Assert.Equal(JsonValueKind.Null, in1995.GetProperty("value").ValueKind);
        Assert.Contains("the SCO did not exist before 2001-06-15", in1995.GetProperty("explanation").GetString(), StringComparison.Ordinal);

        var gdp1990 = await GetAsync("/api/facts/sco.gdp-share-of-world?validAt=1990");
        Assert.Equal("unverified", gdp1990.GetProperty("verdict").GetString());
        var bank1995 = await GetAsync("/api/facts/sco-development-bank.status?validAt=1995");
        Assert.Equal("unverified", bank1995.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Bug_the_development_bank_went_back_to_blocked_after_the_decision_was_reported()
    {
        var timeline = await GetAsync("/api/facts/sco-development-bank.status/timeline");
        var segments = timeline.GetProperty("segments").EnumerateArray().ToList();

        Assert.Equal("2020-01-01", segments[0].GetProperty("from").GetString());
        var last = segments[^1];
        Assert.Equal("decided", Display(last));
        Assert.Equal(JsonValueKind.Null, last.GetProperty("to").ValueKind);
        var afterDecision = segments.SkipWhile(s => s.GetProperty("from").GetString() != "2025-11-22").ToList();
        Assert.NotEmpty(afterDecision);
        Assert.All(afterDecision, s => Assert.Equal("decided", Display(s)));

        Assert.Equal("decided", Display(await GetAsync("/api/facts/sco-development-bank.status?validAt=2025-11-22")));
        Assert.Equal("decided", Display(await GetAsync("/api/facts/sco-development-bank.status?validAt=2026-06")));
        Assert.Equal("decided", Display(await GetAsync("/api/facts/sco-development-bank.status")));
    }

    [Fact]
    public async Task Bug_a_read_without_a_date_gave_the_2017_member_count_as_not_carried_forward()
    {
        var count = await GetAsync("/api/facts/sco.member-count");
        var asOf = count.GetProperty("asOf");

        Assert.Equal("eight members", Display(count));
        Assert.True(asOf.GetProperty("carriedForward").GetBoolean());
        Assert.Equal("2017-01-01", asOf.GetProperty("carriedForwardFrom").GetString());
        Assert.Contains("is carried forward", count.GetProperty("explanation").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bug_excluded_was_empty_for_the_land_area_share_at_every_date()
    {
        foreach (var query in new[] { "", "?validAt=2025", "?validAt=2025-09-15" })
        {
            var land = await GetAsync("/api/facts/sco.land-area-share-of-world" + query);
            Assert.Equal(["c-umarov-009"], land.GetProperty("excluded").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
            Assert.Equal("settled", land.GetProperty("verdict").GetString());
            Assert.Equal("about a quarter", Display(land));
            Assert.Contains("which was disputed and the dispute upheld", land.GetProperty("explanation").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Bug_members_as_of_a_date_did_not_say_the_list_was_partial()
    {
        var in2016 = await GetAsync("/api/subjects/sco/members?validAt=2016");
        var completeness = in2016.GetProperty("completeness");
        var named = in2016.GetProperty("members").GetArrayLength();

        Assert.Equal(named, completeness.GetProperty("named").GetInt32());
        Assert.Equal(6, completeness.GetProperty("counted").GetInt32());
        Assert.False(completeness.GetProperty("complete").GetBoolean());
        Assert.Equal($"{named} named of 6 counted", completeness.GetProperty("summary").GetString());

        var in2025 = (await GetAsync("/api/subjects/sco/members?validAt=2025")).GetProperty("completeness");
        Assert.Equal(8, in2025.GetProperty("counted").GetInt32());
        Assert.StartsWith($"{in2025.GetProperty("named").GetInt32()} named of 8 counted (the count is carried forward from 2017-01-01)",
            in2025.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bug_temur_umarov_was_explained_as_an_unnamed_japanese_news_site()
    {
        var founded = await GetAsync("/api/facts/sco.founded-on");
        var explanation = founded.GetProperty("explanation").GetString()!;

        Assert.Contains("Temur Umarov (via a Japanese news site)", explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("unnamed Japanese", explanation, StringComparison.Ordinal);
        Assert.Contains("Deng Hao (China Institute of International Studies)", explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bug_explanations_said_the_founded_on_and_the_co_sponsor_count()
    {
        var founded = (await GetAsync("/api/facts/sco.founded-on")).GetProperty("explanation").GetString()!;
        var cosponsors = (await GetAsync("/api/facts/un-resolution.a-res-79-388.co-sponsor-count")).GetProperty("explanation").GetString()!;

        Assert.Contains("put the founding date at 2001", founded, StringComparison.Ordinal);
        Assert.Contains("the number of co-sponsors of A/RES/79/388 at nearly 40 countries", cosponsors, StringComparison.Ordinal);
        Assert.DoesNotContain("co sponsor", cosponsors, StringComparison.Ordinal);
        Assert.DoesNotContain("(resolution:", cosponsors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bug_confidence_in_the_founding_date_decayed_with_the_read_date()
    {
        // Three reads compared with each other: none may fall before, and another after, a learned weight moves.
        await TrustCaughtUpAsync(factory);
        var then = await GetAsync("/api/facts/sco.founded-on?validAt=2001-06-15");
        var now = await GetAsync("/api/facts/sco.founded-on");
        var later = await GetAsync("/api/facts/sco.founded-on?validAt=2030");

        Assert.Equal(then.GetProperty("confidence").GetDouble(), now.GetProperty("confidence").GetDouble());
        Assert.Equal(then.GetProperty("confidence").GetDouble(), later.GetProperty("confidence").GetDouble());
        Assert.False(later.GetProperty("asOf").GetProperty("carriedForward").GetBoolean());
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        var response = await factory.Anonymous.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private static string? Display(JsonElement answer) => answer.GetProperty("value").GetProperty("display").GetString();

    private static (double, double) Bounds(JsonElement fact)
    {
        var value = fact.GetProperty("value");
        return (value.GetProperty("lower").GetDouble(), value.GetProperty("upper").GetDouble());
    }
}
