using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Trust;

/// <summary>
/// What a claim says, as the trust estimator sees it: either a numeric interval (claims
/// agree when their intervals overlap, and near misses earn partial credit) or a
/// categorical key (claims agree only when the keys are equal, ordinally).
/// </summary>
public readonly record struct TrustValue : IComparable<TrustValue>
{
    private TrustValue(Interval interval, string? key)
    {
        Interval = interval;
        Key = key;
    }

    /// <summary>The claimed interval; meaningless for a categorical value.</summary>
    public Interval Interval { get; }

    /// <summary>The categorical key, or null for a numeric value.</summary>
    public string? Key { get; }

    public bool IsCategorical => Key is not null;

    public static TrustValue Numeric(Interval interval) =>
        double.IsNaN(interval.Lower) || double.IsNaN(interval.Upper) || interval.IsEmpty
            ? throw new ArgumentException($"A claimed interval must be non-empty and not NaN: {interval}.", nameof(interval))
            : new TrustValue(interval, null);

    public static TrustValue Category(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new TrustValue(default, key);
    }

    /// <summary>True when both values could be right at once: overlapping intervals or equal keys.</summary>
    public bool IsCompatibleWith(TrustValue other) =>
        IsCategorical || other.IsCategorical
            ? string.Equals(Key, other.Key, StringComparison.Ordinal)
            : Interval.Overlaps(other.Interval);

    /// <summary>A total order (numeric before categorical) so that internal sorting never depends on input order.</summary>
    public int CompareTo(TrustValue other)
    {
        if (IsCategorical != other.IsCategorical)
        {
            return IsCategorical ? 1 : -1;
        }

        if (IsCategorical)
        {
            return string.CompareOrdinal(Key, other.Key);
        }

        var c = Interval.Lower.CompareTo(other.Interval.Lower);
        if (c != 0) return c;
        c = Interval.Upper.CompareTo(other.Interval.Upper);
        if (c != 0) return c;
        c = Interval.LowerClosed.CompareTo(other.Interval.LowerClosed);
        return c != 0 ? c : Interval.UpperClosed.CompareTo(other.Interval.UpperClosed);
    }

    public override string ToString() => Key ?? Interval.ToString();

    public static bool operator <(TrustValue left, TrustValue right) => left.CompareTo(right) < 0;

    public static bool operator <=(TrustValue left, TrustValue right) => left.CompareTo(right) <= 0;

    public static bool operator >(TrustValue left, TrustValue right) => left.CompareTo(right) > 0;

    public static bool operator >=(TrustValue left, TrustValue right) => left.CompareTo(right) >= 0;
}
