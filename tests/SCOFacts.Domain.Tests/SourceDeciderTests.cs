using SCOFacts.Domain.Sources;
using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Tests;

public class SourceDeciderTests
{
    private static RegisterSource Register(string kind = "news", string id = "xinhua-2025-11-21") =>
        new(id, "SCO plays key role", "Xinhua", null, null, PartialDate.Parse("2025-11-21"), kind, "en", "002.txt", "abc", null, "seed-import");

    private static SourceState Registered() => Source.Fold(Source.Decide(Register(), Source.Initial).Events);

    [Fact]
    public void Registering_a_new_source_records_it()
    {
        var decision = Source.Decide(Register("official"), Source.Initial);

        Assert.True(decision.IsAccepted);
        var e = Assert.IsType<SourceRegistered>(Assert.Single(decision.Events));
        Assert.Equal(SourceKind.Official, e.Kind);
        var state = Source.Fold(decision.Events);
        Assert.True(state.IsRegistered);
        Assert.Equal("Xinhua", state.Publisher);
        Assert.Null(state.Reliability);
    }

    [Fact]
    public void Registering_twice_is_a_conflict()
    {
        var rejection = Source.Decide(Register(), Registered()).Rejection;

        Assert.Equal("source-exists", rejection!.Code);
        Assert.Equal(RejectionKind.Conflict, rejection.Kind);
    }

    [Fact]
    public void An_unknown_kind_is_rejected()
    {
        var rejection = Source.Decide(Register("blog"), Source.Initial).Rejection;

        Assert.Equal("unknown-source-kind", rejection!.Code);
        Assert.Equal(RejectionKind.Validation, rejection.Kind);
    }

    [Theory]
    [InlineData("Xinhua 2025")]
    [InlineData("")]
    [InlineData("a/b")]
    public void A_source_id_must_be_a_slug(string id) =>
        Assert.Equal("bad-source-id", Source.Decide(Register(id: id), Source.Initial).Rejection!.Code);

    [Fact]
    public void Rating_sets_the_reliability()
    {
        var decision = Source.Decide(new RateSource("xinhua-2025-11-21", 0.8, "accurate figures", "editor"), Registered());

        var state = Source.Fold(Source.Decide(Register(), Source.Initial).Events.Concat(decision.Events));
        Assert.Equal(0.8, state.Reliability);
        Assert.Equal("editor", state.RatedBy);
        Assert.Equal(1, state.RatingCount);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Reliability_must_be_between_zero_and_one(double reliability)
    {
        var rejection = Source.Decide(new RateSource("xinhua-2025-11-21", reliability, "why", "editor"), Registered()).Rejection;

        Assert.Equal("reliability-out-of-range", rejection!.Code);
        Assert.Equal(RejectionKind.Validation, rejection.Kind);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void The_ends_of_the_reliability_range_are_allowed(double reliability) =>
        Assert.True(Source.Decide(new RateSource("xinhua-2025-11-21", reliability, "why", "editor"), Registered()).IsAccepted);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_rating_needs_a_reason(string reason) =>
        Assert.Equal("missing-reason", Source.Decide(new RateSource("xinhua-2025-11-21", 0.5, reason, "editor"), Registered()).Rejection!.Code);

    [Fact]
    public void Rating_an_unregistered_source_is_not_found()
    {
        var rejection = Source.Decide(new RateSource("nobody", 0.5, "why", "editor"), Source.Initial).Rejection;

        Assert.Equal("unknown-source", rejection!.Code);
        Assert.Equal(RejectionKind.NotFound, rejection.Kind);
    }
}
