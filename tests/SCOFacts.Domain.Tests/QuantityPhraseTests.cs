using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Tests;

public class QuantityPhraseTests
{
    [Theory]
    [InlineData("44 percent", "44", "percent", QuantityApprox.Exact, null)]
    [InlineData("44%", "44", "percent", QuantityApprox.Exact, null)]
    [InlineData("nearly half", "half", "fraction", QuantityApprox.Nearly, null)]
    [InlineData("about one quarter", "one quarter", "fraction", QuantityApprox.About, null)]
    [InlineData("about a quarter", "a quarter", "fraction", QuantityApprox.About, null)]
    [InlineData("one-third", "one-third", "fraction", QuantityApprox.Exact, null)]
    [InlineData("more than two decades", "two", "decade", QuantityApprox.MoreThan, null)]
    [InlineData("nearly 40 countries", "40", "countries", QuantityApprox.Nearly, null)]
    [InlineData("120 votes", "120", "votes", QuantityApprox.Exact, null)]
    [InlineData("3.4 billion people", "3.4", "people", QuantityApprox.Exact, "billion")]
    [InlineData("at least 1,200 members", "1,200", "members", QuantityApprox.AtLeast, null)]
    [InlineData("less than 30 per cent", "30", "percent", QuantityApprox.LessThan, null)]
    [InlineData("Almost 25 million square kilometres", "25", "km2", QuantityApprox.Nearly, "million")]
    [InlineData("over 20 years", "20", "year", QuantityApprox.MoreThan, null)]
    [InlineData("up to ten events", "ten", "events", QuantityApprox.AtMost, null)]
    public void Common_phrases_parse_to_structured_quantities(string phrase, string amount, string unit, QuantityApprox approx, string? scale)
    {
        Assert.True(QuantityPhrase.TryParse(phrase, out var value));

        Assert.Equal(new QuantityValue(amount, unit, approx, scale), value);
    }

    [Fact]
    public void Between_phrases_parse_as_ranges()
    {
        Assert.True(QuantityPhrase.TryParse("between 40 and 45 percent", out var value));

        Assert.Equal(new QuantityValue("40", "percent", QuantityApprox.Range, null, "45"), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("many people")]
    [InlineData("44")]
    [InlineData("44 furlongs")]
    [InlineData("nearly")]
    public void Phrases_without_a_readable_amount_or_unit_do_not_parse(string phrase) =>
        Assert.False(QuantityPhrase.TryParse(phrase, out _));

    [Fact]
    public void Parsed_nearly_half_normalises_to_the_anchor_interval()
    {
        Assert.True(QuantityPhrase.TryParse("nearly half", out var value));
        Assert.True(ValueNormaliser.TryNormalise(value, FactValueType.Quantity, "percent", null, out var n, out _));

        IntervalAssert.Equal(40, 50, true, false, n.Interval!.Value);
    }
}
