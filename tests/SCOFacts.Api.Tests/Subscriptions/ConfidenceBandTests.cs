using SCOFacts.Api.Subscriptions;

namespace SCOFacts.Api.Tests.Subscriptions;

/// <summary>The bands a subscriber hears about: a move inside a band is not a change, a move across one is.</summary>
public sealed class ConfidenceBandTests
{
    [Theory]
    [InlineData(null, "none")]
    [InlineData(0.0, "low")]
    [InlineData(0.3999, "low")]
    [InlineData(0.40, "medium")]
    [InlineData(0.6999, "medium")]
    [InlineData(0.70, "high")]
    [InlineData(0.8999, "high")]
    [InlineData(0.90, "very-high")]
    [InlineData(1.0, "very-high")]
    public void Confidences_fall_into_their_bands(double? confidence, string band) =>
        Assert.Equal(band, ConfidenceBands.Of(confidence));

    [Fact]
    public void Only_value_verdict_or_band_make_a_change()
    {
        var at = new DateTimeOffset(2025, 11, 21, 0, 0, 0, TimeSpan.Zero);
        var answer = new FactAnswer("sco.age", "sco", "age", "more than 2 decades", "settled", 0.72, ConfidenceBands.Of(0.72), 4, at);

        Assert.False(answer.DiffersFrom(answer with { Confidence = 0.85, Band = ConfidenceBands.Of(0.85), Version = 5, At = at.AddDays(1) }));
        Assert.True(answer.DiffersFrom(answer with { Confidence = 0.91, Band = ConfidenceBands.Of(0.91) }));
        Assert.True(answer.DiffersFrom(answer with { Verdict = "contested" }));
        Assert.True(answer.DiffersFrom(answer with { Value = "15 years" }));
    }
}
