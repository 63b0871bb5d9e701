using SCOFacts.Domain.Values;
using static SCOFacts.Domain.Tests.Build;

namespace SCOFacts.Domain.Tests;

public class ValuesTests
{
    private const double Inf = double.PositiveInfinity;

    // amount, unit, approx, scale, fact unit, expected lower, upper, lower closed, upper closed
    public static TheoryData<string, string, QuantityApprox, string?, string, double, double, bool, bool> Anchors => new()
    {
        { "44", "percent", QuantityApprox.Exact, null, "percent", 43.5, 44.5, true, false },
        { "half", "fraction", QuantityApprox.Nearly, null, "percent", 40, 50, true, false },
        { "half", "percent", QuantityApprox.Nearly, null, "percent", 40, 50, true, false },
        { "one quarter", "fraction", QuantityApprox.About, null, "percent", 20, 30, true, true },
        { "a quarter", "fraction", QuantityApprox.About, null, "percent", 20, 30, true, true },
        { "one-third", "fraction", QuantityApprox.Exact, null, "percent", 100.0 / 3 - 2, 100.0 / 3 + 2, true, true },
        { "two-thirds", "fraction", QuantityApprox.Exact, null, "fraction", 2.0 / 3 - 0.02, 2.0 / 3 + 0.02, true, true },
        { "two", "decade", QuantityApprox.MoreThan, null, "year", 20, Inf, false, false },
        { "40", "countries", QuantityApprox.Nearly, null, "countries", 36, 40, true, false },
        { "3.4", "people", QuantityApprox.Exact, "billion", "people", 3.35e9, 3.45e9, true, false },
        { "120", "votes", QuantityApprox.Exact, null, "votes", 120, 120, true, true },
        { "44", "percent", QuantityApprox.About, null, "percent", 39.6, 48.4, true, true },
        { "0.44", "fraction", QuantityApprox.Exact, null, "percent", 43.5, 44.5, true, false },
        { "two", "decade", QuantityApprox.Exact, null, "year", 15, 25, true, false },
        { "30", "percent", QuantityApprox.LessThan, null, "percent", 0, 30, true, false },
        { "30", "percent", QuantityApprox.AtLeast, null, "percent", 30, Inf, true, false },
        { "30", "percent", QuantityApprox.AtMost, null, "percent", 0, 30, true, true },
        { "20", "year", QuantityApprox.MoreThan, null, "decade", 2, Inf, false, false },
        { "1", "km2", QuantityApprox.About, "million", "km2", 0.5e6, 1.5e6, true, true },
        { "1.0", "km2", QuantityApprox.About, "million", "km2", 0.9e6, 1.1e6, true, true },
        { "2", "km2", QuantityApprox.About, null, "km2", 1.5, 2.5, true, true },
        { "twenty", "members", QuantityApprox.Exact, null, "members", 20, 20, true, true },
        { "101354", "people", QuantityApprox.Exact, null, "people", 101354, 101354, true, true },
        { "1.5", "people", QuantityApprox.Exact, "million", "people", 1.45e6, 1.55e6, true, false },
        { "120", "votes", QuantityApprox.About, null, "votes", 108, 132, true, true },
        { "half", "people", QuantityApprox.Exact, "million", "people", 0.45e6, 0.55e6, true, false },
    };

    [Theory]
    [MemberData(nameof(Anchors))]
    public void Quantities_normalise_to_the_pinned_intervals(
        string amount, string unit, QuantityApprox approx, string? scale, string factUnit,
        double lower, double upper, bool lowerClosed, bool upperClosed)
    {
        var ok = ValueNormaliser.TryNormalise(Q(amount, unit, approx, scale), FactValueType.Quantity, factUnit, null,
            out var normalised, out var rejection);

        Assert.True(ok, rejection?.Message);
        IntervalAssert.Equal(lower, upper, lowerClosed, upperClosed, normalised.Interval!.Value);
    }

    [Fact]
    public void A_range_keeps_the_precision_of_each_end()
    {
        var value = new QuantityValue("40", "percent", QuantityApprox.Range, AmountTo: "45.5");

        Assert.True(ValueNormaliser.TryNormalise(value, FactValueType.Quantity, "percent", null, out var n, out _));
        IntervalAssert.Equal(39.5, 45.55, true, false, n.Interval!.Value);
    }

    [Fact]
    public void A_range_of_whole_counts_is_closed_at_both_whole_ends()
    {
        var value = new QuantityValue("6", "members", QuantityApprox.Range, AmountTo: "8");

        Assert.True(ValueNormaliser.TryNormalise(value, FactValueType.Quantity, "members", null, out var n, out _));
        IntervalAssert.Equal(6, 8, true, true, n.Interval!.Value);
    }

    [Theory]
    [InlineData("101354", "101355", "people")]
    [InlineData("six", "eight", "members")]
    [InlineData("120", "121", "votes")]
    [InlineData("44", "45", "percent")]
    [InlineData("24", "25", "year")]
    public void Bug_neighbouring_exact_values_agreed(string a, string b, string unit)
    {
        Assert.True(ValueNormaliser.TryNormalise(Q(a, unit), FactValueType.Quantity, unit, null, out var first, out _));
        Assert.True(ValueNormaliser.TryNormalise(Q(b, unit), FactValueType.Quantity, unit, null, out var second, out _));

        Assert.False(first.IsCompatibleWith(second), $"{a} and {b} {unit} must not agree: {first} vs {second}");
    }

    [Theory]
    [InlineData("44", "km2", "percent", "unit-dimension-mismatch")]
    [InlineData("40", "countries", "states", "unit-dimension-mismatch")]
    [InlineData("2", "decade", "percent", "unit-dimension-mismatch")]
    [InlineData("44", "furlongs", "percent", "unknown-unit")]
    [InlineData("lots", "percent", "percent", "bad-amount")]
    public void Bad_quantities_are_rejected_as_validation_errors(string amount, string unit, string factUnit, string code)
    {
        var ok = ValueNormaliser.TryNormalise(Q(amount, unit), FactValueType.Quantity, factUnit, null, out _, out var rejection);

        Assert.False(ok);
        Assert.Equal(code, rejection!.Code);
        Assert.Equal(RejectionKind.Validation, rejection.Kind);
    }

    [Fact]
    public void Backwards_range_and_unknown_scale_are_rejected()
    {
        Assert.False(ValueNormaliser.TryNormalise(new QuantityValue("45", "percent", QuantityApprox.Range, AmountTo: "40"),
            FactValueType.Quantity, "percent", null, out _, out var backwards));
        Assert.Equal("bad-range", backwards!.Code);
        Assert.False(ValueNormaliser.TryNormalise(Q("3", "people", scale: "gazillion"), FactValueType.Quantity, "people", null, out _, out var scale));
        Assert.Equal("unknown-scale", scale!.Code);
    }

    [Fact]
    public void Value_of_another_type_is_a_mismatch()
    {
        Assert.False(ValueNormaliser.TryNormalise(new StatusValue("member"), FactValueType.Quantity, "percent", null, out _, out var r));
        Assert.Equal("value-type-mismatch", r!.Code);
    }

    [Fact]
    public void Status_must_be_allowed_and_categoricals_compare_by_key()
    {
        string[] allowed = ["observer", "member"];
        Assert.False(ValueNormaliser.TryNormalise(new StatusValue("partner"), FactValueType.Status, null, allowed, out _, out var r));
        Assert.Equal("status-not-allowed", r!.Code);

        Assert.True(ValueNormaliser.TryNormalise(new StatusValue("member"), FactValueType.Status, null, allowed, out var a, out _));
        Assert.True(ValueNormaliser.TryNormalise(new StatusValue("observer"), FactValueType.Status, null, allowed, out var b, out _));
        Assert.False(a.IsCompatibleWith(b));
        Assert.True(a.IsCompatibleWith(a));

        Assert.True(ValueNormaliser.TryNormalise(new TextValue("Tianjin  Declaration"), FactValueType.Text, null, null, out var t1, out _));
        Assert.True(ValueNormaliser.TryNormalise(new TextValue("tianjin declaration"), FactValueType.Text, null, null, out var t2, out _));
        Assert.True(t1.IsCompatibleWith(t2));

        Assert.True(ValueNormaliser.TryNormalise(new EntityValue("tianjin", "Tianjin"), FactValueType.Entity, null, null, out var e, out _));
        Assert.Equal("tianjin", e.Key);
        Assert.True(ValueNormaliser.TryNormalise(new BooleanValue(true), FactValueType.Boolean, null, null, out var yes, out _));
        Assert.Equal("true", yes.Key);
    }

    [Theory]
    [InlineData("2001", DatePrecision.Year, "2001-01-01", "2002-01-01")]
    [InlineData("2001-06", DatePrecision.Month, "2001-06-01", "2001-07-01")]
    [InlineData("2001-06-15", DatePrecision.Day, "2001-06-15", "2001-06-16")]
    [InlineData("2024-02", DatePrecision.Month, "2024-02-01", "2024-03-01")]
    public void Partial_dates_cover_their_whole_period(string text, DatePrecision precision, string start, string end)
    {
        var date = PartialDate.Parse(text);

        Assert.Equal(precision, date.Precision);
        Assert.Equal(Day(start), date.Start);
        Assert.Equal(Day(end), date.End);
        Assert.Equal(text, date.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("01")]
    [InlineData("2001-13")]
    [InlineData("2001-02-30")]
    [InlineData("2001-6")]
    [InlineData("2001/06")]
    [InlineData("2001-06-15T00:00")]
    public void Malformed_partial_dates_do_not_parse(string text) => Assert.False(PartialDate.TryParse(text, out _));

    [Theory]
    [InlineData(DateApprox.Exact, "2001-06-15", "2001-06-16", true, false)]
    [InlineData(DateApprox.About, "2001-06-08", "2001-06-23", true, false)]
    [InlineData(DateApprox.Before, null, "2001-06-15", false, false)]
    [InlineData(DateApprox.After, "2001-06-16", null, true, false)]
    public void Date_approximations_normalise_to_day_ranges(DateApprox approx, string? lower, string? upper, bool lowerClosed, bool upperClosed)
    {
        var interval = ValueNormaliser.DateInterval(new DateValue(PartialDate.Parse("2001-06-15"), approx));

        IntervalAssert.Equal(lower is null ? double.NegativeInfinity : Day(lower).DayNumber,
            upper is null ? double.PositiveInfinity : Day(upper).DayNumber, lowerClosed, upperClosed, interval);
    }

    [Fact]
    public void About_a_year_reaches_a_year_either_side()
    {
        var interval = ValueNormaliser.DateInterval(new DateValue(PartialDate.Parse("2001"), DateApprox.About));

        IntervalAssert.Equal(Day("2000-01-01").DayNumber, Day("2003-01-01").DayNumber, true, false, interval);
    }

    [Fact]
    public void Valid_time_instant_at_year_precision_covers_that_year()
    {
        var range = At("2017").Range;

        Assert.True(range.Contains(Day("2017-01-01")));
        Assert.True(range.Contains(Day("2017-12-31")));
        Assert.False(range.Contains(Day("2018-01-01")));
        Assert.False(range.Contains(Day("2016-12-31")));
    }

    [Fact]
    public void Valid_time_interval_runs_to_the_end_of_its_last_period_and_may_be_open()
    {
        var range = Between("2017-06", "2025").Range;
        Assert.Equal(new DateRange(Day("2017-06-01"), Day("2026-01-01")), range);

        var open = Between("2017-06", null).Range;
        Assert.True(open.Contains(Day("2100-01-01")));
        Assert.False(open.Contains(Day("2017-05-31")));

        var untilOnly = Between(null, "2005").Range;
        Assert.True(untilOnly.Contains(Day("1990-01-01")));
        Assert.False(untilOnly.Contains(Day("2006-01-01")));
    }

    [Fact]
    public void Valid_time_validation()
    {
        Assert.Null(Between("2017", "2017").Validate());
        Assert.Null(At("2017").Validate());
        Assert.Equal("bad-valid-time", Between("2018", "2017").Validate()!.Code);
        Assert.Equal("bad-valid-time", new ValidTime(PartialDate.Parse("2017"), PartialDate.Parse("2016"), null).Validate()!.Code);
    }

    [Fact]
    public void Interval_display_reads_naturally()
    {
        Assert.Equal("about 44 percent", ValueDisplay.Quantity(Interval.Closed(43.5, 44.5), "percent"));
        Assert.Equal("between 40 and 50 percent", ValueDisplay.Quantity(Interval.HalfOpen(40, 50), "percent"));
        Assert.Equal("more than 20 years", ValueDisplay.Quantity(Interval.MoreThan(20), "year"));
        Assert.Equal("about 3.4 billion people", ValueDisplay.Quantity(Interval.Closed(3.35e9, 3.45e9), "people"));
        Assert.Equal("2017", ValueDisplay.Date(Interval.HalfOpen(Day("2017-01-01").DayNumber, Day("2018-01-01").DayNumber)));
        Assert.Equal("2017-06", ValueDisplay.Date(Interval.HalfOpen(Day("2017-06-01").DayNumber, Day("2017-07-01").DayNumber)));
    }
}
