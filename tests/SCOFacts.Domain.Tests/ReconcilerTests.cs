using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Values;
using static SCOFacts.Domain.Tests.Build;

namespace SCOFacts.Domain.Tests;

public class ReconcilerTests
{
    private const string F = "sco.population-share-of-world";

    private static readonly SourceReliabilities Rel = Reliabilities(
        ("xinhua-1", "Xinhua", 0.5), ("xinhua-2", "Xinhua", 0.5), ("tass", "TASS", 0.5), ("un", "UN", 0.5),
        ("reuters", "Reuters", 0.5), ("global-times", "Global Times", 0.5));

    private static ClaimRecorded C(string id, string source, ClaimValue value, string at = "2025") => Claim(F, id, source, value, At(at));

    private static FactReconciliation Reconcile(object[] events, DateOnly? validAt = null, ISourceReliabilities? rel = null) =>
        Reconciler.Reconcile(Fact.Fold(events), rel ?? Rel, validAt);

    private static object[] Events(params object[] claims) => [QuantityFact(), .. claims];

    [Fact]
    public void No_claims_is_unverified()
    {
        var r = Reconcile(Events());

        Assert.Equal(Verdict.Unverified, r.Verdict);
        Assert.Null(r.Value);
        Assert.Equal(0, r.Confidence);
        Assert.Contains("No active claim", r.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void One_claim_is_single_source_and_names_its_source()
    {
        var r = Reconcile(Events(C("c-1", "tass", Q("44", "percent"))));

        Assert.Equal(Verdict.SingleSource, r.Verdict);
        Assert.Equal(["c-1"], r.SupportingClaimIds);
        Assert.Equal("44 percent", r.Value!.Display);
        Assert.Contains("TASS", r.Explanation, StringComparison.Ordinal);
        Assert.Contains("Title of tass", r.Explanation, StringComparison.Ordinal);
        Assert.InRange(r.Confidence, 0.4, 0.6); // one source of reliability 0.5 is about a coin toss
    }

    [Fact]
    public void Independent_agreeing_sources_reach_consensus_on_a_value_one_of_them_gave()
    {
        var r = Reconcile(Events(
            C("c-1", "tass", Q("44", "percent")),
            C("c-2", "un", Q("44", "percent", QuantityApprox.About)),
            C("c-3", "reuters", Q("half", "fraction", QuantityApprox.Nearly))));

        Assert.Equal(Verdict.Consensus, r.Verdict);
        Assert.Equal(["c-1", "c-2", "c-3"], r.SupportingClaimIds);
        Assert.Empty(r.ConflictingClaimIds);
        Assert.Contains(r.Value!.Display, new[] { "44 percent", "about 44 percent", "nearly half" });
        Assert.StartsWith($"Three independent sources put the share of the world's population at {r.Value.Display}: Reuters, TASS and UN.",
            r.Explanation, StringComparison.Ordinal);
        Assert.True(r.Confidence > Reconcile(Events(C("c-1", "tass", Q("44", "percent")))).Confidence);
    }

    [Fact]
    public void Two_claims_from_one_publisher_are_one_voice()
    {
        var r = Reconcile(Events(
            C("c-1", "xinhua-1", Q("44", "percent")),
            C("c-2", "xinhua-2", Q("44", "percent"))));

        Assert.Equal(Verdict.SingleSource, r.Verdict);
        var cluster = Assert.Single(r.Clusters);
        Assert.Equal(["Xinhua"], cluster.Publishers);
        Assert.Equal(0.5, cluster.Weight);
        Assert.Contains("Two claims from one publisher, Xinhua", r.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void One_publisher_repeating_itself_does_not_outweigh_two_independent_voices()
    {
        var rel = Reliabilities(("xinhua-1", "Xinhua", 0.9), ("xinhua-2", "Xinhua", 0.9), ("tass", "TASS", 0.5), ("un", "UN", 0.5));
        var r = Reconcile(Events(
            C("c-1", "xinhua-1", Q("60", "percent")),
            C("c-2", "xinhua-2", Q("60", "percent")),
            C("c-3", "tass", Q("44", "percent")),
            C("c-4", "un", Q("44", "percent"))), rel: rel);

        Assert.Equal(["c-3", "c-4"], r.SupportingClaimIds);
        Assert.Equal(["c-1", "c-2"], r.ConflictingClaimIds);
        Assert.Equal(Verdict.Contested, r.Verdict);
        Assert.Equal(0.9, r.Clusters[1].Weight, 9);
    }

    [Fact]
    public void Equal_weight_conflicting_claims_are_contested()
    {
        var r = Reconcile(Events(
            C("c-1", "tass", Q("44", "percent")),
            C("c-2", "un", Q("60", "percent"))));

        Assert.Equal(Verdict.Contested, r.Verdict);
        Assert.Equal(2, r.Clusters.Count);
        Assert.Single(r.ConflictingClaimIds);
        Assert.Contains("Against this, UN said 60 percent.", r.Explanation, StringComparison.Ordinal);
        Assert.Contains("disagree", r.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_two_thirds_majority_of_independent_weight_settles_it()
    {
        var r = Reconcile(Events(
            C("c-1", "tass", Q("44", "percent")),
            C("c-2", "un", Q("44", "percent")),
            C("c-3", "reuters", Q("44", "percent")),
            C("c-4", "global-times", Q("60", "percent"))));

        Assert.Equal(Verdict.Settled, r.Verdict);
        Assert.Equal(["c-4"], r.ConflictingClaimIds);
        Assert.Contains("two thirds", r.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_against_one_is_exactly_two_thirds_and_settles()
    {
        var r = Reconcile(Events(
            C("c-1", "tass", Q("44", "percent")),
            C("c-2", "un", Q("44", "percent")),
            C("c-4", "global-times", Q("60", "percent"))));

        Assert.Equal(Verdict.Settled, r.Verdict);
    }

    [Fact]
    public void An_upheld_dispute_excludes_the_claim_and_settles_the_fact()
    {
        var r = Reconcile(Events(
            C("c-1", "tass", Q("44", "percent")),
            C("c-2", "un", Q("44", "percent")),
            C("c-3", "reuters", Q("half", "fraction", QuantityApprox.MoreThan)),
            new ClaimDisputed(F, "c-3", "d-1", "UN data says 44", null, "checker"),
            new DisputeUpheld(F, "c-3", "d-1", "editor", "agreed")));

        Assert.Equal(Verdict.Settled, r.Verdict);
        Assert.Equal(["c-1", "c-2"], r.SupportingClaimIds);
        Assert.Empty(r.ConflictingClaimIds);
        Assert.Equal(["c-3"], r.ExcludedClaimIds);
        Assert.Contains("Reuters said more than half, which was disputed and the dispute upheld.", r.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rejected_dispute_leaves_the_claim_counting()
    {
        var r = Reconcile(Events(
            C("c-1", "tass", Q("44", "percent")),
            C("c-2", "un", Q("60", "percent")),
            new ClaimDisputed(F, "c-2", "d-1", "looks high", null, "checker"),
            new DisputeRejected(F, "c-2", "d-1", "editor", "source is right")));

        Assert.Equal(Verdict.Contested, r.Verdict);
        Assert.Contains("c-2", r.ConflictingClaimIds.Concat(r.SupportingClaimIds));
        Assert.Empty(r.ExcludedClaimIds);
    }

    [Fact]
    public void A_retracted_claim_no_longer_counts()
    {
        var r = Reconcile(Events(
            C("c-1", "tass", Q("44", "percent")),
            C("c-2", "un", Q("60", "percent")),
            new ClaimRetracted(F, "c-2", "editor", "misquoted")));

        Assert.Equal(Verdict.SingleSource, r.Verdict);
        Assert.Equal(["c-2"], r.ExcludedClaimIds);
        Assert.Contains("UN said 60 percent, but that claim was retracted", r.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_correction_changes_what_the_claim_counts_for()
    {
        var r = Reconcile(Events(
            C("c-1", "tass", Q("44", "percent")),
            C("c-2", "un", Q("60", "percent")),
            new ClaimCorrected(F, "c-2", Q("60", "percent"), Q("44", "percent", QuantityApprox.About), "editor", "typo")));

        Assert.Equal(Verdict.Consensus, r.Verdict);
    }

    [Fact]
    public void An_endorsement_adds_a_little_weight()
    {
        object[] tie = [C("c-1", "tass", Q("44", "percent")), C("c-2", "un", Q("60", "percent"))];
        var plain = Reconcile(Events(tie));
        var endorsed = Reconcile(Events([.. tie, new ClaimEndorsed(F, "c-2", "checker", "matches UN data")]));

        Assert.Equal(["c-1"], plain.SupportingClaimIds); // a tie goes to the lowest claim id
        Assert.Equal(["c-2"], endorsed.SupportingClaimIds);
        Assert.Equal(0.5 + Reconciler.EndorsementBonus, endorsed.Clusters[0].Weight, 9);
        Assert.Equal(Verdict.Contested, endorsed.Verdict);
    }

    [Fact]
    public void A_2017_figure_does_not_conflict_with_a_2025_one()
    {
        object[] events = Events(
            C("c-1", "tass", Q("25", "percent"), at: "2017"),
            C("c-2", "un", Q("44", "percent"), at: "2025"));

        var in2017 = Reconcile(events, Day("2017-06-01"));
        var in2025 = Reconcile(events, Day("2025-06-01"));
        var latest = Reconcile(events);

        Assert.Equal(Verdict.SingleSource, in2017.Verdict);
        Assert.Equal("25 percent", in2017.Value!.Display);
        Assert.Empty(in2017.ConflictingClaimIds);
        Assert.Equal(["c-2"], in2025.SupportingClaimIds);
        Assert.Empty(in2025.ConflictingClaimIds);
        Assert.Equal(["c-2"], latest.SupportingClaimIds);
        Assert.Equal(Day("2025-12-31"), latest.ReferenceDate); // without a today, the latest day a claim speaks of
    }

    [Fact]
    public void With_no_claim_at_the_date_the_latest_earlier_figure_carries_forward()
    {
        object[] events = Events(
            C("c-1", "tass", Q("25", "percent"), at: "2015"),
            C("c-2", "un", Q("30", "percent"), at: "2017"),
            C("c-3", "reuters", Q("44", "percent"), at: "2025"));

        var r = Reconcile(events, Day("2020-03-01"));

        Assert.True(r.IsCarriedForward);
        Assert.Equal(Day("2017-01-01"), r.CarriedForwardFrom);
        Assert.Equal(Day("2017-01-01"), r.ReferenceDate);
        Assert.Equal(["c-2"], r.SupportingClaimIds);
        Assert.StartsWith("No claim covers 2020-03-01; the latest earlier figure, valid from 2017-01-01, is carried forward until a source says otherwise.",
            r.Explanation, StringComparison.Ordinal);
        Assert.True(r.Confidence < Reconcile(events, Day("2017-06-01")).Confidence);
    }

    [Fact]
    public void Before_the_first_claim_nothing_is_known()
    {
        var r = Reconcile(Events(C("c-1", "tass", Q("25", "percent"), at: "2015")), Day("2010-01-01"));

        Assert.Equal(Verdict.Unverified, r.Verdict);
        Assert.False(r.IsCarriedForward);
    }

    [Fact]
    public void Reconciliation_does_not_depend_on_the_order_claims_were_recorded()
    {
        object[] claims =
        [
            C("c-1", "tass", Q("44", "percent")),
            C("c-2", "un", Q("half", "fraction", QuantityApprox.Nearly)),
            C("c-3", "reuters", Q("45", "percent", QuantityApprox.About)),
            C("c-4", "global-times", Q("60", "percent")),
            C("c-5", "xinhua-1", Q("61", "percent")),
            C("c-6", "xinhua-2", Q("30", "percent")),
        ];
        var expected = Describe(Reconcile(Events(claims)));

        var random = new Random(42);
        for (var i = 0; i < 20; i++)
        {
            var shuffled = claims.OrderBy(_ => random.Next()).ToArray();
            Assert.Equal(expected, Describe(Reconcile(Events(shuffled))));
        }

        static string Describe(FactReconciliation r) =>
            $"{r.Verdict}|{r.Value!.Display}|{string.Join(",", r.SupportingClaimIds)}|{string.Join(",", r.ConflictingClaimIds)}|{r.Confidence}|{r.Explanation}";
    }

    [Fact]
    public void Chained_overlaps_form_one_cluster_whose_range_is_kept_and_the_served_value_is_a_claimed_one()
    {
        // [39.6, 48.4] overlaps both [43.5, 44.5) and [47.5, 48.5), which do not overlap each other.
        var r = Reconcile(Events(
            C("c-1", "tass", Q("44", "percent")),
            C("c-2", "un", Q("44", "percent", QuantityApprox.About)),
            C("c-3", "reuters", Q("48", "percent"))));

        var cluster = Assert.Single(r.Clusters);
        IntervalAssert.Equal(39.6, 48.5, true, false, cluster.Value.Interval!.Value);
        Assert.Contains(r.Value!.Display, new[] { "44 percent", "about 44 percent", "48 percent" });
    }

    [Fact]
    public void The_result_lists_the_reliabilities_it_used_and_their_origin()
    {
        var r = Reconcile(Events(
            C("c-1", "tass", Q("44", "percent")),
            C("c-2", "unrated", Q("44", "percent"))));

        Assert.Equal(["tass", "unrated"], r.ReliabilitiesUsed.Select(s => s.SourceId));
        Assert.Equal(ReliabilityOrigin.Rated, r.ReliabilitiesUsed[0].Origin);
        Assert.Equal(ReliabilityOrigin.Default, r.ReliabilitiesUsed[1].Origin);
        Assert.Equal(SourceReliabilities.DefaultReliability, r.ReliabilitiesUsed[1].Reliability);
        Assert.Equal(Verdict.Consensus, r.Verdict);
    }

    [Fact]
    public void More_reliable_sources_give_more_confidence()
    {
        object[] events = Events(C("c-1", "tass", Q("44", "percent")), C("c-2", "un", Q("44", "percent")));
        var low = Reconcile(events, rel: Reliabilities(("tass", "TASS", 0.3), ("un", "UN", 0.3)));
        var high = Reconcile(events, rel: Reliabilities(("tass", "TASS", 0.9), ("un", "UN", 0.9)));

        Assert.True(high.Confidence > low.Confidence);
        Assert.InRange(high.Confidence, 0, 1);
    }

    [Fact]
    public void Conflicting_statuses_at_the_same_time_are_contested()
    {
        const string id = "sco.membership-status.india";
        var r = Reconciler.Reconcile(Fact.Fold([
            StatusFact(id),
            Claim(id, "c-1", "tass", new StatusValue("observer"), At("2016")),
            Claim(id, "c-2", "un", new StatusValue("member"), At("2016")),
        ]), Rel, Day("2016-05-01"));

        Assert.Equal(Verdict.Contested, r.Verdict);
        Assert.Null(r.Value!.Interval);
        Assert.Contains(r.Value.Key, new[] { "observer", "member" });
    }

    [Fact]
    public void Overlapping_dates_agree_and_serve_one_claimed_date()
    {
        var fact = new FactDefined("sco.founded-on", "sco", "founded-on", new Dictionary<string, string>(), FactValueType.Date, null, null, "x", "p");
        var r = Reconciler.Reconcile(Fact.Fold([
            fact,
            Claim("sco.founded-on", "c-1", "tass", new DateValue(PartialDate.Parse("2001-06-15")), ValidTime.Always),
            Claim("sco.founded-on", "c-2", "un", new DateValue(PartialDate.Parse("2001-06")), ValidTime.Always),
        ]), Rel, null);

        Assert.Equal(Verdict.Consensus, r.Verdict);
        Assert.Contains(r.Value!.Display, new[] { "2001-06-15", "2001-06" });
        Assert.Null(r.ReferenceDate);
    }
}
