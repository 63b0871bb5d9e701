using System.Net;
using System.Text.Json;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.TimeAndAudit;

/// <summary>Valid time: what was true in the world on a date, including answers carried forward between claims.</summary>
public sealed class ValidTimeTests(ApiFactory factory) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private const string Fact = "vt.member-count";

    public async Task InitializeAsync()
    {
        using (var existing = await factory.Anonymous.GetAsync(new Uri($"/api/facts/{Fact}", UriKind.Relative)))
        {
            if (existing.StatusCode == HttpStatusCode.OK) return;
        }
        await RegisterSourceAsync(factory, "vt-agency-a", "Agency A");
        await RegisterSourceAsync(factory, "vt-agency-b", "Agency B");
        await DefineQuantityAsync(factory, Fact, "members");
        await RecordAsync(factory.Checker, Fact, "vt-2016-a", "vt-agency-a", Quantity("6", "members"), At("2016"));
        await RecordAsync(factory.Checker, Fact, "vt-2017-a", "vt-agency-a", Quantity("8", "members"), At("2017"));
        await RecordAsync(factory.Checker, Fact, "vt-2017-b", "vt-agency-b", Quantity("8", "members"), At("2017"));
        await RecordAsync(factory.Checker, Fact, "vt-2025-b", "vt-agency-b", Quantity("10", "members"), At("2025"));

        await DefineMembershipAsync(factory, "club", "alpha");
        await DefineMembershipAsync(factory, "club", "beta");
        await DefineMembershipAsync(factory, "club", "gamma");
        await RecordAsync(factory.Checker, "club.membership-status.alpha", "club-alpha-member", "vt-agency-a", Status("member"), From("2001-06-15"));
        await RecordAsync(factory.Checker, "club.membership-status.beta", "club-beta-observer", "vt-agency-a", Status("observer"), Between("2005", "2016"));
        await RecordAsync(factory.Checker, "club.membership-status.beta", "club-beta-member", "vt-agency-b", Status("member"), From("2017-06-09"));
        await RecordAsync(factory.Checker, "club.membership-status.gamma", "club-gamma-observer", "vt-agency-b", Status("observer"), From("2012"));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static double Lower(JsonElement fact) => fact.GetProperty("value").GetProperty("lower").GetDouble();

    private static double Upper(JsonElement fact) => fact.GetProperty("value").GetProperty("upper").GetDouble();

    private static void AssertAmount(JsonElement fact, double amount)
    {
        Assert.True(Lower(fact) <= amount && amount <= Upper(fact), $"expected {amount}, got {fact.GetProperty("value")}");
        Assert.True(Upper(fact) - Lower(fact) <= 1, $"expected a narrow value around {amount}, got {fact.GetProperty("value")}");
    }

    [Theory]
    [InlineData("2016", 6.0, "single-source")]
    [InlineData("2016-12-31", 6.0, "single-source")]
    [InlineData("2017", 8.0, "consensus")]
    [InlineData("2017-06-09", 8.0, "consensus")]
    [InlineData("2025-03", 10.0, "single-source")]
    public async Task A_date_a_claim_covers_answers_with_that_claims_value(string validAt, double amount, string verdict)
    {
        var fact = await GetAsync(factory.Anonymous, $"/api/facts/{Fact}?validAt={validAt}");

        AssertAmount(fact, amount);
        Assert.Equal(verdict, fact.GetProperty("verdict").GetString());
        var asOf = fact.GetProperty("asOf");
        Assert.False(asOf.GetProperty("carriedForward").GetBoolean());
        Assert.Equal(JsonValueKind.Null, asOf.GetProperty("carriedForwardFrom").ValueKind);
        Assert.Equal(WriteDate(validAt), asOf.GetProperty("validAt").GetString());
    }

    private static string WriteDate(string partial) => partial.Length switch
    {
        4 => partial + "-01-01",
        7 => partial + "-01",
        _ => partial,
    };

    [Fact]
    public async Task A_date_between_claims_carries_the_latest_earlier_value_forward_and_says_from_when()
    {
        var fact = await GetAsync(factory.Anonymous, $"/api/facts/{Fact}?validAt=2020-05-01");

        AssertAmount(fact, 8);
        var asOf = fact.GetProperty("asOf");
        Assert.True(asOf.GetProperty("carriedForward").GetBoolean());
        Assert.Equal("2017-01-01", asOf.GetProperty("carriedForwardFrom").GetString());
        Assert.Equal("2017-01-01", asOf.GetProperty("referenceDate").GetString()); // the day the carried figure became valid
        Assert.Equal(["vt-2017-a", "vt-2017-b"], fact.GetProperty("supporting").EnumerateArray().Select(c => c.GetProperty("id").GetString()).Order());
        // A carried-forward answer is less certain than the same answer on a covered date.
        var covered = await GetAsync(factory.Anonymous, $"/api/facts/{Fact}?validAt=2017");
        Assert.True(fact.GetProperty("confidence").GetDouble() < covered.GetProperty("confidence").GetDouble());
    }

    [Fact]
    public async Task Before_the_first_claim_nothing_is_known_and_without_a_date_the_latest_claims_answer()
    {
        var before = await GetAsync(factory.Anonymous, $"/api/facts/{Fact}?validAt=2015");
        Assert.Equal("unverified", before.GetProperty("verdict").GetString());
        Assert.Equal(JsonValueKind.Null, before.GetProperty("value").ValueKind);

        var latest = await GetAsync(factory.Anonymous, $"/api/facts/{Fact}");
        AssertAmount(latest, 10);
        Assert.Equal("2025-01-01", latest.GetProperty("asOf").GetProperty("referenceDate").GetString());
    }

    [Theory]
    [InlineData("2020-13")]
    [InlineData("yesterday")]
    [InlineData("2020-02-30")]
    public async Task A_malformed_validAt_is_a_400_problem(string validAt)
    {
        using var response = await factory.Anonymous.GetAsync(new Uri($"/api/facts/{Fact}?validAt={validAt}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/facts/" + Fact + "?validAt=9999-12-31", HttpStatusCode.OK)]
    [InlineData("/api/facts/" + Fact + "?validAt=0001", HttpStatusCode.OK)]
    [InlineData("/api/facts/" + Fact + "?knownAt=9999-12-31T23:59:59Z", HttpStatusCode.OK)]
    [InlineData("/api/facts/" + Fact + "?knownAt=0001-01-01T00:00:00Z", HttpStatusCode.NotFound)]
    [InlineData("/api/facts/" + Fact + "/timeline?knownAt=9999-12-31T23:59:59%2B14:00", HttpStatusCode.OK)]
    [InlineData("/api/subjects/club/members?validAt=9999-12-31&knownAt=0001-01-01", HttpStatusCode.OK)]
    public async Task Extreme_dates_on_either_axis_are_answered_not_errors(string url, HttpStatusCode expected)
    {
        using var response = await factory.Anonymous.GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task The_timeline_has_one_segment_per_answer_with_the_gap_carried_forward()
    {
        var timeline = await GetAsync(factory.Anonymous, $"/api/facts/{Fact}/timeline");

        var segments = timeline.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(
            [("2016-01-01", "2017-01-01", 6.0), ("2017-01-01", "2025-01-01", 8.0), ("2025-01-01", (string?)null, 10.0)], // the latest holds on
            segments.Select(s => (s.GetProperty("from").GetString(), s.GetProperty("to").GetString(),
                Math.Round((Lower(s) + Upper(s)) / 2))).ToList());
        Assert.Equal(["single-source", "consensus", "single-source"], segments.Select(s => s.GetProperty("verdict").GetString()));
        Assert.Equal(["vt-2017-a", "vt-2017-b"], segments[1].GetProperty("supportingClaimIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task The_timeline_of_an_unknown_fact_is_404()
    {
        await GetAsync(factory.Anonymous, "/api/facts/no.such-fact/timeline", HttpStatusCode.NotFound);
    }

    private async Task<(List<string?> Members, Dictionary<string, JsonElement> Others)> MembersAsync(string query)
    {
        var answer = await GetAsync(factory.Anonymous, $"/api/subjects/club/members{query}");
        return (answer.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("member").GetString()).Order().ToList(),
            answer.GetProperty("others").EnumerateArray().ToDictionary(m => m.GetProperty("member").GetString()!));
    }

    [Fact]
    public async Task Members_on_a_date_follow_each_states_status_then()
    {
        var (dayBefore, othersBefore) = await MembersAsync("?validAt=2017-06-08");
        Assert.Equal(["alpha"], dayBefore);
        Assert.Equal("observer", othersBefore["beta"].GetProperty("status").GetString());
        Assert.Equal("2005-01-01", othersBefore["beta"].GetProperty("carriedForwardFrom").GetString());
        Assert.Equal("observer", othersBefore["gamma"].GetProperty("status").GetString());

        var (joiningDay, othersThen) = await MembersAsync("?validAt=2017-06-09");
        Assert.Equal(["alpha", "beta"], joiningDay);
        Assert.Equal(["gamma"], othersThen.Keys);

        var (beforeAnyone, othersEarly) = await MembersAsync("?validAt=2000");
        Assert.Empty(beforeAnyone);
        Assert.Equal("unverified", othersEarly["alpha"].GetProperty("verdict").GetString());

        var (observers, _) = await MembersAsync("?validAt=2010&status=observer");
        Assert.Equal(["beta"], observers);
    }

    [Fact]
    public async Task Members_of_an_unknown_subject_is_404_and_a_bad_date_400()
    {
        await GetAsync(factory.Anonymous, "/api/subjects/nobody/members", HttpStatusCode.NotFound);
        await GetAsync(factory.Anonymous, "/api/subjects/club/members?validAt=soon", HttpStatusCode.BadRequest);
    }
}
