using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Values;
using static SCOFacts.Domain.Tests.Build;

namespace SCOFacts.Domain.Tests;

/// <summary>Answers a fact-checker can put their name to: exact values, sound valid time, readable explanations.</summary>
public class TrustworthyAnswersTests
{
    private static readonly SourceReliabilities Rel = Reliabilities(
        ("a", "Alpha", 0.7), ("b", "Beta", 0.7), ("c", "Gamma", 0.7), ("d", "Delta", 0.7));

    private static FactDefined CountFact(string id, string property, string unit, IReadOnlyDictionary<string, string>? qualifiers = null) =>
        new(id, "sco", property, qualifiers ?? new Dictionary<string, string>(), FactValueType.Quantity, unit, null, "x", Principal);

    private static FactDefined BankStatus() =>
        new("sco-development-bank.status", "sco-development-bank", "status", new Dictionary<string, string>(), FactValueType.Status, null,
            ["under-discussion", "blocked", "proposed", "decided"], "x", Principal);

    // The development bank's claims as the seeds record them: Deng (2020), Umarov (undated, up to 2025),
    // the commentary (September 2025) and Xinhua (21 November 2025).
    private static object[] Bank() =>
    [
        BankStatus(),
        Claim("sco-development-bank.status", "c-deng", "a", new StatusValue("under-discussion"), At("2020")),
        Claim("sco-development-bank.status", "c-umarov", "b", new StatusValue("blocked"), Between(null, "2025")),
        Claim("sco-development-bank.status", "c-comm", "c", new StatusValue("proposed"), At("2025-09")),
        Claim("sco-development-bank.status", "c-xinhua", "d", new StatusValue("decided"), At("2025-11-21")),
    ];

    // Item 1: neighbouring integers.

    [Fact]
    public void Bug_two_different_exact_counts_formed_one_consensus_on_a_midpoint_nobody_claimed()
    {
        const string id = "city.population";
        var r = Reconciler.Reconcile(Fold(
            CountFact(id, "population", "people"),
            Claim(id, "c-1", "a", Q("101354", "people"), ValidTime.Always),
            Claim(id, "c-2", "b", Q("101355", "people"), ValidTime.Always),
            Claim(id, "c-3", "c", Q("101355", "people"), ValidTime.Always)), Rel, null);

        Assert.Equal(2, r.Clusters.Count);
        Assert.NotEqual(Verdict.Consensus, r.Verdict);
        Assert.Equal("101355 people", r.Value!.Display);
        IntervalAssert.Equal(101355, 101355, true, true, r.Value.Interval!.Value);
    }

    [Fact]
    public void The_served_value_is_always_one_a_claim_gave()
    {
        const string id = "sco.population-share-of-world";
        var r = Reconciler.Reconcile(Fold(
            QuantityFact(id),
            Claim(id, "c-1", "a", Q("44", "percent"), At("2025")),
            Claim(id, "c-2", "b", Q("half", "fraction", QuantityApprox.Nearly), At("2025")),
            Claim(id, "c-3", "c", Q("45", "percent", QuantityApprox.About), At("2025"))), Rel, Day("2025-06-01"));

        var claimed = new[] { "44 percent", "nearly half", "about 45 percent" };
        Assert.Contains(r.Value!.Display, claimed);
        var normalised = new[] { Q("44", "percent"), Q("half", "fraction", QuantityApprox.Nearly), Q("45", "percent", QuantityApprox.About) }
            .Select(v => { ValueNormaliser.TryNormalise(v, FactValueType.Quantity, "percent", null, out var n, out _); return n.Interval; });
        Assert.Contains(r.Value.Interval, normalised);
    }

    // Item 2: exact stays exact.

    [Fact]
    public void Bug_an_exact_vote_count_was_shown_as_about_120_votes()
    {
        const string id = "un-resolution.a-res-79-388.votes-in-favour";
        var r = Reconciler.Reconcile(Fold(
            CountFact(id, "votes-in-favour", "votes", new Dictionary<string, string> { ["resolution"] = "A/RES/79/388" }),
            Claim(id, "c-1", "a", Q("120", "votes"), At("2025-09-05"))), Rel, Day("2025-09-05"));

        Assert.Equal("120 votes", r.Value!.Display);
        IntervalAssert.Equal(120, 120, true, true, r.Value.Interval!.Value);
        Assert.Contains("at 120 votes.", r.Explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("about", r.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Three_sources_saying_217074_people_exactly_agree_on_exactly_that()
    {
        const string id = "city.population";
        var r = Reconciler.Reconcile(Fold(
            CountFact(id, "population", "people"),
            Claim(id, "c-1", "a", Q("217074", "people"), ValidTime.Always),
            Claim(id, "c-2", "b", Q("217074", "people"), ValidTime.Always),
            Claim(id, "c-3", "c", Q("217074", "people"), ValidTime.Always)), Rel, null);

        Assert.Equal(Verdict.Consensus, r.Verdict);
        Assert.Equal("217074 people", r.Value!.Display);
        Assert.StartsWith("Three independent sources put the population at 217074 people: Alpha, Beta and Gamma.", r.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Sources_the_estimator_found_copying_each_other_speak_as_one_voice()
    {
        const string id = "sco.population-share-of-world";
        object[] events =
        [
            QuantityFact(id),
            Claim(id, "c-bot-1", "bot-1", Q("60", "percent"), At("2025")),
            Claim(id, "c-bot-2", "bot-2", Q("60", "percent"), At("2025")),
            Claim(id, "c-bot-3", "bot-3", Q("60", "percent"), At("2025")),
            Claim(id, "c-honest", "honest", Q("44", "percent"), At("2025")),
            Claim(id, "c-honest-2", "honest-2", Q("44", "percent"), At("2025")),
        ];
        SourceReliability Bot(string source, string? group) =>
            new(source, "Outlet " + source, 0.6, ReliabilityOrigin.Learned, 10, CopyGroup: group);
        SourceReliabilities Rel(string? group) => new([
            Bot("bot-1", group), Bot("bot-2", group), Bot("bot-3", group),
            new SourceReliability("honest", "Honest", 0.6, ReliabilityOrigin.Learned, 10),
            new SourceReliability("honest-2", "Honest Two", 0.6, ReliabilityOrigin.Learned, 10),
        ]);

        var independent = Reconciler.Reconcile(Fold(events), Rel(null), Day("2025-06-01"));
        var copying = Reconciler.Reconcile(Fold(events), Rel("bot-1"), Day("2025-06-01"));

        Assert.Equal("60 percent", independent.Value!.Display);
        Assert.Equal("44 percent", copying.Value!.Display);
        Assert.Single(copying.Clusters.Single(c => c.ClaimIds.Contains("c-bot-1")).Publishers);
    }

    // Item 5: open starts.

    [Fact]
    public void Bug_an_open_start_reached_back_before_the_subject_existed()
    {
        const string id = "sco.member-count";
        var state = Fold(
            CountFact(id, "member-count", "members"),
            Claim(id, "c-six", "a", Q("six", "members"), Between(null, "2016")),
            Claim(id, "c-eight", "a", Q("eight", "members"), Between("2017", "2020")));

        var in1995 = Reconciler.Reconcile(state, Rel, Day("1995-01-01"));
        var atFounding = Reconciler.Reconcile(state, Rel, Day("2001-06-15"));

        Assert.Equal(Verdict.Unverified, in1995.Verdict);
        Assert.Null(in1995.Value);
        Assert.Equal("There is no number of members for 1995-01-01: the SCO did not exist before 2001-06-15.", in1995.Explanation);
        Assert.Equal("six members", atFounding.Value!.Display);
        Assert.Equal(Day("2001-06-15"), Reconciler.Timeline(state, Rel)[0].From);
    }

    [Fact]
    public void Before_the_earliest_evidence_about_a_subject_of_unknown_age_the_answer_is_unknown()
    {
        var state = Fold(Bank());

        var in1995 = Reconciler.Reconcile(state, Rel, Day("1995-01-01"));

        Assert.Equal(Verdict.Unverified, in1995.Verdict);
        Assert.Equal("Nothing is known of the status before 2020-01-01, the earliest date a claim speaks of.", in1995.Explanation);
        Assert.Equal(Day("2020-01-01"), Reconciler.Timeline(state, Rel)[0].From);
    }

    // Item 6: no flip back.

    [Fact]
    public void Bug_the_bank_went_back_to_blocked_after_the_decision_was_reported()
    {
        var state = Fold(Bank());

        var dayAfter = Reconciler.Reconcile(state, Rel, Day("2025-11-22"));
        var june2026 = Reconciler.Reconcile(state, Rel, Day("2026-06-01"));
        var today = Reconciler.Reconcile(state, Rel, null, Day("2026-11-30"));
        var timeline = Reconciler.Timeline(state, Rel);

        Assert.Equal("decided", dayAfter.Value!.Key);
        Assert.Equal(["c-xinhua"], dayAfter.SupportingClaimIds);
        Assert.Equal("decided", june2026.Value!.Key);
        Assert.Equal("decided", today.Value!.Key);
        Assert.Equal("decided", timeline[^1].Result.Value!.Key);
        Assert.Null(timeline[^1].To);
        // Once a later status is reported, no earlier one comes back.
        var after = timeline.SkipWhile(s => s.Result.Value?.Key != "decided").ToList();
        Assert.All(after, s => Assert.Equal("decided", s.Result.Value!.Key));
    }

    [Fact]
    public void On_the_day_of_the_report_both_statements_stand_and_disagree()
    {
        var r = Reconciler.Reconcile(Fold(Bank()), Rel, Day("2025-11-21"));

        Assert.Equal(Verdict.Contested, r.Verdict);
        Assert.Equal(["c-umarov", "c-xinhua"], r.SupportingClaimIds.Concat(r.ConflictingClaimIds).Order(StringComparer.Ordinal));
    }

    // Item 7: reads without a date.

    [Fact]
    public void Bug_a_read_without_a_date_gave_the_2017_count_as_if_current()
    {
        const string id = "sco.member-count";
        var state = Fold(
            CountFact(id, "member-count", "members"),
            Claim(id, "c-six", "a", Q("six", "members"), Between(null, "2016")),
            Claim(id, "c-eight", "a", Q("eight", "members"), Between("2017", "2020")));

        var r = Reconciler.Reconcile(state, Rel, null, Day("2026-11-30"));

        Assert.Null(r.ValidAt);
        Assert.True(r.IsCarriedForward);
        Assert.Equal(Day("2017-01-01"), r.CarriedForwardFrom);
        Assert.Equal("eight members", r.Value!.Display);
        Assert.StartsWith("No claim covers 2026-11-30; the latest earlier figure, valid from 2017-01-01, is carried forward", r.Explanation, StringComparison.Ordinal);
    }

    // Item 8: upheld disputes scoped to the valid time their evidence speaks for.

    [Fact]
    public void Bug_an_upheld_dispute_wiped_out_a_claim_that_was_true_before_the_counter_evidence()
    {
        var state = Fold([.. Bank(),
            new ClaimDisputed("sco-development-bank.status", "c-umarov", "d-1", "Xinhua reports the decision.",
                new CounterEvidence("d", "decision to establish the SCO Development Bank"), "checker"),
            new DisputeUpheld("sco-development-bank.status", "c-umarov", "d-1", "editor", "The blocking predates the decision.")]);

        var before = Reconciler.Reconcile(state, Rel, Day("2024-06-01"));
        var onTheDay = Reconciler.Reconcile(state, Rel, Day("2025-11-21"));

        Assert.Equal("blocked", before.Value!.Key);
        Assert.Empty(before.ExcludedClaimIds);
        Assert.Equal(Verdict.Settled, onTheDay.Verdict);
        Assert.Equal("decided", onTheDay.Value!.Key);
        Assert.Equal(["c-umarov"], onTheDay.ExcludedClaimIds);
        Assert.Contains("the dispute upheld from 2025-11-21 on", onTheDay.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dispute_upheld_without_counter_evidence_sets_the_whole_claim_aside()
    {
        var state = Fold([.. Bank(),
            new ClaimDisputed("sco-development-bank.status", "c-umarov", "d-1", "Misread.", null, "checker"),
            new DisputeUpheld("sco-development-bank.status", "c-umarov", "d-1", "editor", null)]);

        var before = Reconciler.Reconcile(state, Rel, Day("2024-06-01"));

        Assert.Equal(["c-umarov"], before.ExcludedClaimIds);
    }

    [Fact]
    public void A_claim_about_one_period_falls_as_a_whole_even_when_the_counter_evidence_is_dated_later()
    {
        const string id = "sco.age-years";
        var state = Fold(
            CountFact(id, "age-years", "year"),
            Claim(id, "c-umarov", "a", Q("30", "year", QuantityApprox.Nearly), At("2025")),
            Claim(id, "c-sun", "b", Q("24", "year"), At("2025-12-10")),
            new ClaimDisputed(id, "c-umarov", "d-1", "Counts from 1996.", new CounterEvidence("b", "Over the past 24 years"), "checker"),
            new DisputeUpheld(id, "c-umarov", "d-1", "editor", "Upheld."));

        var june = Reconciler.Reconcile(state, Rel, Day("2025-06-01"));

        Assert.Equal(["c-umarov"], june.ExcludedClaimIds);
        Assert.Equal(Verdict.Unverified, june.Verdict);
    }

    [Fact]
    public void Bug_excluded_was_empty_when_the_disputed_claim_was_the_latest_statement()
    {
        const string id = "sco.land-area-share-of-world";
        var state = Fold(
            QuantityFact(id),
            Claim(id, "c-deng", "a", Q("a quarter", "fraction", QuantityApprox.About), At("2017")),
            Claim(id, "c-umarov", "b", Q("one-third", "fraction"), At("2025")),
            new ClaimDisputed(id, "c-umarov", "d-2", "Too large.", new CounterEvidence("a", "about one quarter"), "checker"),
            new DisputeUpheld(id, "c-umarov", "d-2", "editor", "Upheld."));

        var today = Reconciler.Reconcile(state, Rel, null, Day("2026-11-30"));
        var in2025 = Reconciler.Reconcile(state, Rel, Day("2025-06-01"));

        Assert.Equal(["c-umarov"], today.ExcludedClaimIds);
        Assert.Equal(["c-umarov"], in2025.ExcludedClaimIds);
        Assert.Equal("about a quarter", in2025.Value!.Display);
        Assert.True(in2025.IsCarriedForward);
        Assert.Equal(Verdict.Settled, in2025.Verdict);
    }

    // Item 10: who said it.

    [Fact]
    public void Bug_an_authored_article_was_credited_to_an_unnamed_news_site()
    {
        const string id = "sco.founded-on";
        var rel = new SourceReliabilities([
            new SourceReliability("umarov", "unnamed Japanese news site", 0.5, ReliabilityOrigin.Default, 0, "What Is the Future", "Temur Umarov"),
            new SourceReliability("comm", "unnamed online publication", 0.45, ReliabilityOrigin.Rated, 1, "Untitled commentary"),
            new SourceReliability("deng", "China Institute of International Studies", 0.8, ReliabilityOrigin.Rated, 1, "Global Governance", "Deng Hao"),
        ]);
        var r = Reconciler.Reconcile(Fold(
            new FactDefined(id, "sco", "founded-on", new Dictionary<string, string>(), FactValueType.Date, null, null, "x", Principal),
            Claim(id, "c-1", "umarov", new DateValue(PartialDate.Parse("2001")), At("2001")),
            Claim(id, "c-2", "comm", new DateValue(PartialDate.Parse("2001")), At("2001")),
            Claim(id, "c-3", "deng", new DateValue(PartialDate.Parse("2001")), At("2001"))), rel, null, Day("2026-11-30"));

        Assert.Equal(
            "Three independent sources put the founding date at 2001: Deng Hao (China Institute of International Studies), " +
            "Temur Umarov (via a Japanese news site) and an unnamed online publication.", r.Explanation);
    }

    // Item 11: property names read aloud.

    [Theory]
    [InlineData("founded-on", null, null, "the founding date")]
    [InlineData("co-sponsor-count", "resolution", "A/RES/79/388", "the number of co-sponsors of A/RES/79/388")]
    [InlineData("member-count", null, null, "the number of members")]
    [InlineData("dialogue-partner-count", null, null, "the number of dialogue partners")]
    [InlineData("population-share-of-world", null, null, "the share of the world's population")]
    [InlineData("membership-status", "state", "india", "the membership status of India")]
    [InlineData("host-city", "year", "2025", "the host city in 2025")]
    [InlineData("adopted-on", "document", "SCO Charter", "the adoption date of the SCO Charter")]
    [InlineData("votes-in-favour", "resolution", "A/RES/79/388", "the number of votes in favour of A/RES/79/388")]
    public void Bug_explanations_said_the_founded_on_and_the_co_sponsor_count(string property, string? key, string? value, string expected)
    {
        var qualifiers = key is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [key] = value! };

        Assert.Equal(expected, PropertyPhrase.Describe(property, qualifiers));
    }

    // Item 12: timeless facts.

    [Fact]
    public void Bug_confidence_in_the_founding_date_decayed_with_the_read_date()
    {
        const string id = "sco.founded-on";
        var state = Fold(
            new FactDefined(id, "sco", "founded-on", new Dictionary<string, string>(), FactValueType.Date, null, null, "x", Principal),
            Claim(id, "c-1", "a", new DateValue(PartialDate.Parse("2001")), At("2001")),
            Claim(id, "c-2", "b", new DateValue(PartialDate.Parse("2001-06-15")), At("2001-06-15")));

        var then = Reconciler.Reconcile(state, Rel, Day("2001-06-15"));
        var later = Reconciler.Reconcile(state, Rel, Day("2030-01-01"));
        var today = Reconciler.Reconcile(state, Rel, null, Day("2026-11-30"));

        Assert.Equal(then.Confidence, later.Confidence);
        Assert.Equal(then.Confidence, today.Confidence);
        Assert.False(later.IsCarriedForward);
        Assert.Equal(Verdict.Consensus, today.Verdict);
    }
}
