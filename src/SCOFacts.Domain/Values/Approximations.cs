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
    // exact      | [v-p, v+p]                                  | [v-0.02, v+0.02]              | the written precision; words are rounded shares
    // about      | [v-max(10%v,p), v+max(10%v,p)]              | [v-0.05, v+0.05]              | "about" admits a tenth either way; five points on a share
    // nearly     | [v-max(10%v,p), v)                          | [v-0.10, v)                   | just short of v: never reaches it, rarely further than a tenth
    // more-than  | (v, +inf)                                   | (v, +inf)                     | the writer bounded one side only
    // less-than  | [0, v)                                      | [0, v)                        | magnitudes are never negative
    // at-least   | [v, +inf)                                   | [v, +inf)                     |
    // at-most    | [0, v]                                      | [0, v]                        |
    // range      | [v-p, to+p(to)] (handled by the caller)      | same                          | each end keeps its own precision
    private static readonly Rule[] Table =
    [
        new(QuantityApprox.Exact,
            a => Interval.Closed(a.Value - a.Precision, a.Value + a.Precision),
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

    /// <summary>"between 40 and 45": from the lower end of the first amount to the upper end of the second.</summary>
    public static Interval Range(Amount from, Amount to) =>
        Interval.Closed(Widen(from, QuantityApprox.Exact).Lower, Widen(to, QuantityApprox.Exact).Upper);
}
