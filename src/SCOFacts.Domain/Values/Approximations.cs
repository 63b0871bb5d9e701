namespace SCOFacts.Domain.Values;

/// <summary>
/// How each approximation word widens an amount into an interval. <c>v</c> is the nominal amount,
/// <c>p</c> the precision its digits show (half the last written unit: "44" is 0.5, "3.4" is 0.05).
/// Word fractions ("half", "a quarter") are measured against the whole (1 = 100 percent), because
/// writers reach for them across a neighbourhood of shares, not because the share is exactly 1/4.
/// All quantities here are magnitudes (shares, durations, areas, money, counts), so nothing is below 0.
/// </summary>
public static class Approximations
{
    /// <summary>Half-width of a bare word fraction: "one-third" is 31.3..35.3 percent. Two points is
    /// about the rounding a writer does when turning 32-35 percent into "a third".</summary>
    public const double WordFractionTolerance = 0.02;

    /// <summary>Half-width of "about" a word fraction: "about one quarter" is [20, 30] percent.</summary>
    public const double WordFractionAbout = 0.05;

    /// <summary>How far below a word fraction "nearly" reaches: "nearly half" is [40, 50) percent.</summary>
    public const double WordFractionNearly = 0.10;

    /// <summary>Relative reach of "about" and "nearly" on numerals: "nearly 40 countries" is [36, 40).</summary>
    public const double NumeralRelative = 0.10;

    private sealed record Rule(QuantityApprox Approx, Func<Amount, Interval> Numeral, Func<Amount, Interval> Word);

    // approx     | numeral (digits, whole-number words)        | word fraction                 | why
    // exact      | [v-p, v+p); the point v when p is 0         | [v-0.02, v+0.02]              | rounding to the written digits: 44 is 43.5 up to, not including, 44.5
    // about      | [v-max(10%v,p), v+max(10%v,p)]              | [v-0.05, v+0.05]              | "about" admits a tenth either way; five points on a share
    // nearly     | [v-max(10%v,p), v)                          | [v-0.10, v)                   | just short of v: never reaches it, rarely further than a tenth
    // more-than  | (v, +inf)                                   | (v, +inf)                     | the writer bounded one side only
    // less-than  | [0, v)                                      | [0, v)                        | magnitudes are never negative
    // at-least   | [v, +inf)                                   | [v, +inf)                     |
    // at-most    | [0, v]                                      | [0, v]                        |
    // range      | [v-p, to+p(to)) (handled by the caller)     | same                          | each end keeps its own precision
    // A count written as a whole number without a scale word has no rounding at all (p = 0): "120 votes" is 120,
    // and 101354 never meets 101355.
    private static readonly Rule[] Table =
    [
        new(QuantityApprox.Exact,
            a => a.Precision == 0 ? Interval.Point(a.Value) : Interval.HalfOpen(a.Value - a.Precision, a.Value + a.Precision),
            a => Interval.Closed(a.Value - WordFractionTolerance, a.Value + WordFractionTolerance)),
        new(QuantityApprox.About,
            a => Interval.Closed(a.Value - Reach(a), a.Value + Reach(a)),
            a => Interval.Closed(a.Value - WordFractionAbout, a.Value + WordFractionAbout)),
        new(QuantityApprox.Nearly,
            a => Interval.HalfOpen(a.Value - Reach(a), a.Value),
            a => Interval.HalfOpen(a.Value - WordFractionNearly, a.Value)),
        new(QuantityApprox.MoreThan, a => Interval.MoreThan(a.Value), a => Interval.MoreThan(a.Value)),
        new(QuantityApprox.LessThan, a => Interval.HalfOpen(0, a.Value), a => Interval.HalfOpen(0, a.Value)),
        new(QuantityApprox.AtLeast, a => Interval.AtLeast(a.Value), a => Interval.AtLeast(a.Value)),
        new(QuantityApprox.AtMost, a => Interval.Closed(0, a.Value), a => Interval.Closed(0, a.Value)),
    ];

    private static double Reach(Amount a) => Math.Max(Math.Abs(a.Value) * NumeralRelative, a.Precision);

    /// <summary>The interval one amount stands for under a (non-range) approximation, in the amount's own units.</summary>
    public static Interval Widen(Amount amount, QuantityApprox approx)
    {
        var rule = Table.FirstOrDefault(r => r.Approx == approx)
            ?? throw new ArgumentOutOfRangeException(nameof(approx), approx, "A range has two amounts; use Range.");
        return amount.Form == AmountForm.WordFraction ? rule.Word(amount) : rule.Numeral(amount);
    }

    /// <summary>"between 40 and 45": from the lower end of the first amount up to the upper end of the second,
    /// which is open when the second amount was rounded.</summary>
    public static Interval Range(Amount from, Amount to)
    {
        var upper = Widen(to, QuantityApprox.Exact);
        return new Interval(Widen(from, QuantityApprox.Exact).Lower, upper.Upper, true, upper.UpperClosed);
    }

    /// <summary>
    /// A count written in whole numbers is exact: the amount loses the rounding its digits would otherwise imply.
    /// Decimals ("1.5") and scale words ("12 thousand") still round.
    /// </summary>
    public static Amount AsCount(Amount amount) =>
        amount.Form == AmountForm.Numeral && amount.Precision == 0.5 && amount.Value == Math.Floor(amount.Value)
            ? amount with { Precision = 0 }
            : amount;
}
