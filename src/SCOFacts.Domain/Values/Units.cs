namespace SCOFacts.Domain.Values;

/// <summary>
/// A unit and the dimension it measures. Claims compare only within one dimension; <see cref="ToBase"/>
/// converts an amount to the dimension's base unit (fraction, year, km2, usd, or the count itself).
/// </summary>
public sealed record UnitInfo(string Name, string Dimension, double ToBase)
{
    public bool IsRatio => Dimension == Units.RatioDimension;

    /// <summary>Counts of things: whole numbers, so a count written without decimals or scale is exact.</summary>
    public bool IsCount => Dimension.StartsWith(Units.CountPrefix, StringComparison.Ordinal);
}

public static class Units
{
    public const string RatioDimension = "ratio";

    /// <summary>Dimensions of counts start with this: "count:votes", "count:people".</summary>
    public const string CountPrefix = "count:";

    private static readonly Dictionary<string, UnitInfo> Known = new UnitInfo[]
    {
        new("fraction", RatioDimension, 1),
        new("percent", RatioDimension, 0.01),
        new("year", "duration", 1),
        new("decade", "duration", 10),
        new("km2", "area", 1),
        // Currencies are separate dimensions: converting needs a rate at a date, which is a claim of its own.
        new("usd", "money:usd", 1),
        new("cny", "money:cny", 1),
        // Counts of different things never compare: 40 countries say nothing about 40 members.
        new("countries", "count:countries", 1),
        new("states", "count:states", 1),
        new("votes", "count:votes", 1),
        new("people", "count:people", 1),
        new("members", "count:members", 1),
        new("events", "count:events", 1),
    }.ToDictionary(u => u.Name, StringComparer.Ordinal);

    public static IReadOnlyCollection<UnitInfo> All => Known.Values;

    public static bool TryGet(string? name, out UnitInfo unit)
    {
        if (name is not null && Known.TryGetValue(name, out var found))
        {
            unit = found;
            return true;
        }

        unit = null!;
        return false;
    }

    /// <summary>The factor that turns an amount in <paramref name="from"/> into one in <paramref name="to"/>.</summary>
    public static double Factor(UnitInfo from, UnitInfo to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        return from.Dimension == to.Dimension
            ? from.ToBase / to.ToBase
            : throw new InvalidOperationException($"Cannot convert {from.Name} ({from.Dimension}) to {to.Name} ({to.Dimension}).");
    }

    /// <summary>The multiplier of a scale word, or 1 when there is none.</summary>
    public static bool TryScale(string? scale, out double factor)
    {
        factor = scale switch
        {
            null or "" => 1,
            "thousand" => 1e3,
            "million" => 1e6,
            "billion" => 1e9,
            "trillion" => 1e12,
            _ => double.NaN,
        };
        return !double.IsNaN(factor);
    }
}
