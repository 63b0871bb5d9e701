using System.Globalization;
using System.Text.Json.Serialization;

namespace SCOFacts.Domain.Values;

/// <summary>
/// A range of real numbers, each end open or closed, possibly unbounded.
/// Every claimed value normalises to one: "44 percent" is [43.5, 44.5), "120 votes" is [120, 120], "more than
/// two decades" is (20, +inf) years. Two claims agree when their intervals overlap.
/// </summary>
[JsonConverter(typeof(IntervalJsonConverter))]
public readonly record struct Interval(double Lower, double Upper, bool LowerClosed = true, bool UpperClosed = true)
{
    public static Interval Point(double value) => new(value, value);

    public static Interval Closed(double lower, double upper) => new(lower, upper);

    /// <summary>[lower, upper): the usual shape of "nearly X".</summary>
    public static Interval HalfOpen(double lower, double upper) => new(lower, upper, true, false);

    public static Interval AtLeast(double lower) => new(lower, double.PositiveInfinity, true, false);

    public static Interval MoreThan(double lower) => new(lower, double.PositiveInfinity, false, false);

    public static Interval AtMost(double upper) => new(double.NegativeInfinity, upper, false, true);

    public static Interval LessThan(double upper) => new(double.NegativeInfinity, upper, false, false);

    public static Interval Everything { get; } = new(double.NegativeInfinity, double.PositiveInfinity, false, false);

    public bool IsEmpty => Lower > Upper || (Lower == Upper && !(LowerClosed && UpperClosed));

    public bool IsBounded => !double.IsInfinity(Lower) && !double.IsInfinity(Upper);

    public double Width => IsEmpty ? 0 : Upper - Lower;

    /// <summary>The midpoint of a bounded interval; the finite end of a half-bounded one.</summary>
    public double Centre =>
        IsBounded ? (Lower + Upper) / 2
        : double.IsInfinity(Lower) && double.IsInfinity(Upper) ? 0
        : double.IsInfinity(Upper) ? Lower : Upper;

    public bool Contains(double x) =>
        (x > Lower || (LowerClosed && x == Lower)) && (x < Upper || (UpperClosed && x == Upper));

    public bool Overlaps(Interval other) => !Intersect(other).IsEmpty;

    public Interval Intersect(Interval other)
    {
        var (lower, lowerClosed) = Lower > other.Lower ? (Lower, LowerClosed)
            : other.Lower > Lower ? (other.Lower, other.LowerClosed)
            : (Lower, LowerClosed && other.LowerClosed);
        var (upper, upperClosed) = Upper < other.Upper ? (Upper, UpperClosed)
            : other.Upper < Upper ? (other.Upper, other.UpperClosed)
            : (Upper, UpperClosed && other.UpperClosed);
        return new Interval(lower, upper, lowerClosed, upperClosed);
    }

    public Interval Scale(double factor) => factor >= 0
        ? new Interval(Lower * factor, Upper * factor, LowerClosed, UpperClosed)
        : new Interval(Upper * factor, Lower * factor, UpperClosed, LowerClosed);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(LowerClosed ? '[' : '(')}{Format(Lower)}, {Format(Upper)}{(UpperClosed ? ']' : ')')}");

    private static string Format(double x) =>
        double.IsPositiveInfinity(x) ? "+inf"
        : double.IsNegativeInfinity(x) ? "-inf"
        : x.ToString("G10", CultureInfo.InvariantCulture);
}
