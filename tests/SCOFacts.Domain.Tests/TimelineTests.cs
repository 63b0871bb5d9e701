using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Values;
using static SCOFacts.Domain.Tests.Build;

namespace SCOFacts.Domain.Tests;

public class TimelineTests
{
    private static readonly SourceReliabilities Rel = Reliabilities(("tass", "TASS", 0.6), ("un", "UN", 0.8), ("xinhua", "Xinhua", 0.7));

    [Fact]
    public void Membership_before_and_after_2017_are_two_segments()
    {
        const string id = "sco.membership-status.india";
        var state = Fact.Fold([
            StatusFact(id),
            Claim(id, "c-1", "tass", new StatusValue("observer"), Between("2005", "2016")),
            Claim(id, "c-2", "un", new StatusValue("member"), Between("2017", null)),
            Claim(id, "c-3", "xinhua", new StatusValue("member"), Between("2017-06", null)),
        ]);

        var timeline = Reconciler.Timeline(state, Rel);

        Assert.Equal(3, timeline.Count);
        Assert.Equal((Day("2005-01-01"), Day("2017-01-01")), (timeline[0].From!.Value, timeline[0].To!.Value));
        Assert.Equal("observer", timeline[0].Result.Value!.Key);
        Assert.Equal((Day("2017-01-01"), Day("2017-06-01")), (timeline[1].From!.Value, timeline[1].To!.Value));
        Assert.Equal(Verdict.SingleSource, timeline[1].Result.Verdict);
        Assert.Equal(Day("2017-06-01"), timeline[2].From);
        Assert.Null(timeline[2].To);
        Assert.Equal(Verdict.Consensus, timeline[2].Result.Verdict);
        Assert.Equal("member", timeline[2].Result.Value!.Key);
    }

    [Fact]
    public void Gaps_carry_the_earlier_answer_and_equal_answers_merge()
    {
        const string id = "sco.development-bank-status";
        var fact = new FactDefined(id, "sco", "development-bank-status", new Dictionary<string, string>(), FactValueType.Status,
            null, ["proposed", "agreed", "operational"], "x", "p");
        var state = Fact.Fold([
            fact,
            Claim(id, "c-1", "tass", new StatusValue("proposed"), At("2015")),
            Claim(id, "c-2", "un", new StatusValue("proposed"), At("2015")),
            Claim(id, "c-3", "xinhua", new StatusValue("agreed"), Between("2025", "2025")),
        ]);

        var timeline = Reconciler.Timeline(state, Rel);

        Assert.Equal(2, timeline.Count);
        Assert.Equal((Day("2015-01-01"), Day("2025-01-01")), (timeline[0].From!.Value, timeline[0].To!.Value));
        Assert.Equal(Verdict.Consensus, timeline[0].Result.Verdict);
        Assert.Equal(Day("2025-01-01"), timeline[1].From);
        Assert.Null(timeline[1].To); // the latest status holds until a source says otherwise
        Assert.Equal("agreed", timeline[1].Result.Value!.Key);
    }

    [Fact]
    public void Quantities_at_different_times_become_separate_segments_without_conflict()
    {
        const string id = "sco.population-share-of-world";
        var state = Fact.Fold([
            QuantityFact(id),
            Claim(id, "c-1", "tass", Q("25", "percent"), At("2017")),
            Claim(id, "c-2", "un", Q("44", "percent"), At("2025")),
        ]);

        var timeline = Reconciler.Timeline(state, Rel);

        Assert.Equal(2, timeline.Count);
        Assert.All(timeline, s => Assert.Empty(s.Result.ConflictingClaimIds));
        Assert.Equal("25 percent", timeline[0].Result.Value!.Display);
        Assert.Equal("44 percent", timeline[1].Result.Value!.Display);
    }

    [Fact]
    public void A_retraction_changes_the_timeline()
    {
        const string id = "sco.population-share-of-world";
        object[] events =
        [
            QuantityFact(id),
            Claim(id, "c-1", "tass", Q("25", "percent"), At("2017")),
            Claim(id, "c-2", "un", Q("60", "percent"), At("2017")),
        ];
        var before = Reconciler.Timeline(Fact.Fold(events), Rel);
        var after = Reconciler.Timeline(Fact.Fold([.. events, new ClaimRetracted(id, "c-2", "editor", "misquoted")]), Rel);

        Assert.Equal(Verdict.Contested, Assert.Single(before).Result.Verdict);
        Assert.Equal(Verdict.SingleSource, Assert.Single(after).Result.Verdict);
    }

    [Fact]
    public void A_fact_with_no_claims_has_an_empty_timeline() =>
        Assert.Empty(Reconciler.Timeline(Fact.Fold([QuantityFact()]), Rel));
}
