using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using static SCOFacts.Domain.Tests.Build;

namespace SCOFacts.Domain.Tests;

public class ReliabilityEstimatorTests
{
    private static SourceReliability Default(string id, string publisher) =>
        new(id, publisher, SourceReliabilities.DefaultReliability, ReliabilityOrigin.Default, 0, id);

    private static FactState QuantityFactWith(string id, params (string Claim, string Source, string Amount)[] claims) =>
        Fact.Fold([QuantityFact(id), .. claims.Select(c => (object)Claim(id, c.Claim, c.Source, Q(c.Amount, "percent"), At("2025")))]);

    [Fact]
    public void Agreeing_with_well_supported_answers_raises_a_source_and_dissent_lowers_it()
    {
        var facts = new[]
        {
            QuantityFactWith("f.one", ("c-1", "a", "44"), ("c-2", "b", "44"), ("c-3", "c", "44"), ("c-4", "d", "60")),
            QuantityFactWith("f.two", ("c-1", "a", "10"), ("c-2", "b", "10"), ("c-3", "c", "10"), ("c-4", "d", "30")),
        };
        var baseline = new[] { Default("a", "A"), Default("b", "B"), Default("c", "C"), Default("d", "D") };

        var learned = ReliabilityEstimator.Learn(facts, baseline).ToDictionary(e => e.SourceId);

        Assert.Equal(ReliabilityOrigin.Learned, learned["a"].Origin);
        Assert.Equal(2, learned["a"].SupportCount);
        Assert.Equal(0.75, learned["a"].Reliability, 9);
        Assert.Equal(0.25, learned["d"].Reliability, 9);
        Assert.Equal("A", learned["a"].Publisher);
    }

    [Fact]
    public void Editors_ratings_are_never_overwritten_and_unobserved_sources_keep_the_default()
    {
        var facts = new[] { QuantityFactWith("f.one", ("c-1", "a", "44"), ("c-2", "b", "44"), ("c-3", "c", "44"), ("c-4", "d", "60")) };
        var baseline = new[]
        {
            new SourceReliability("d", "D", 0.9, ReliabilityOrigin.Rated, 1), Default("a", "A"), Default("b", "B"), Default("c", "C"),
            Default("e", "E"),
        };

        var learned = ReliabilityEstimator.Learn(facts, baseline).ToDictionary(e => e.SourceId);

        Assert.Equal(0.9, learned["d"].Reliability);
        Assert.Equal(ReliabilityOrigin.Rated, learned["d"].Origin);
        Assert.Equal(ReliabilityOrigin.Default, learned["e"].Origin);
    }

    [Fact]
    public void A_publisher_cannot_vouch_for_itself()
    {
        var facts = new[] { QuantityFactWith("f.one", ("c-1", "x1", "44"), ("c-2", "x2", "44")) };
        var baseline = new[] { Default("x1", "Xinhua"), Default("x2", "Xinhua") };

        var learned = ReliabilityEstimator.Learn(facts, baseline);

        Assert.All(learned, e => Assert.Equal(ReliabilityOrigin.Default, e.Origin));
    }

    [Fact]
    public void An_upheld_dispute_counts_against_the_source()
    {
        var state = Fact.Fold([
            QuantityFact("f.one"),
            Claim("f.one", "c-1", "a", Q("60", "percent"), At("2025")),
            new ClaimDisputed("f.one", "c-1", "d-1", "wrong", null, "checker"),
            new DisputeUpheld("f.one", "c-1", "d-1", "editor", null),
        ]);

        var learned = Assert.Single(ReliabilityEstimator.Learn([state], [Default("a", "A")]));

        Assert.Equal(1.0 / 3, learned.Reliability, 9);
        Assert.Equal(1, learned.SupportCount);
    }
}
