using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Trust;

internal static class IntervalTrustExtensions
{
    /// <summary>How far <paramref name="x"/> lies outside the interval; 0 inside or on an end (open or not).</summary>
    public static double DistanceTo(this Interval interval, double x) =>
        x < interval.Lower ? interval.Lower - x
        : x > interval.Upper ? x - interval.Upper
        : 0;

    public static bool IsPoint(this Interval interval) => interval.Lower == interval.Upper;
}
