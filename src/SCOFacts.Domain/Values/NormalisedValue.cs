using System.Globalization;

namespace SCOFacts.Domain.Values;

/// <summary>
/// A claim's value made comparable: quantities and dates become an <see cref="Interval"/> (quantities in the
/// fact's unit, dates in day numbers), everything else a categorical key compared by equality.
/// </summary>
public readonly record struct NormalisedValue(Interval? Interval, string? Key)
{
    public static NormalisedValue Of(Interval interval) => new(interval, null);

    public static NormalisedValue Categorical(string key) => new(null, key);

    public bool IsCategorical => Key is not null;

    /// <summary>Two claims agree when their intervals overlap or their keys are equal.</summary>
    public bool IsCompatibleWith(NormalisedValue other) =>
        IsCategorical || other.IsCategorical
            ? string.Equals(Key, other.Key, StringComparison.Ordinal)
            : Interval!.Value.Overlaps(other.Interval!.Value);

    public override string ToString() => Key ?? Interval?.ToString() ?? "";
}

/// <summary>Turns a claimed value into a <see cref="NormalisedValue"/> in the terms of the fact it is about.</summary>
public static class ValueNormaliser
{
    /// <summary>How far "about" reaches around a date, by the precision the date was written with.</summary>
    private static DateOnly AboutBefore(PartialDate d) => d.Precision switch
    {
        DatePrecision.Year => d.Start.AddYears(-1),
        DatePrecision.Month => d.Start.AddMonths(-1),
        _ => d.Start.AddDays(-7),
    };

    private static DateOnly AboutAfter(PartialDate d) => d.Precision switch
    {
        DatePrecision.Year => d.End.AddYears(1),
        DatePrecision.Month => d.End.AddMonths(1),
        _ => d.End.AddDays(7),
    };

    public static bool TryNormalise(
        ClaimValue value,
        FactValueType factType,
        string? factUnit,
        IReadOnlyList<string>? allowedStatuses,
        out NormalisedValue normalised,
        out Rejection? rejection)
    {
        ArgumentNullException.ThrowIfNull(value);
        normalised = default;
        rejection = null;
        if (value.ValueType != factType)
        {
            rejection = Rejection.Validation("value-type-mismatch",
                $"The fact takes {Name(factType)} values; this value is a {Name(value.ValueType)}.");
            return false;
        }

        switch (value)
        {
            case QuantityValue q:
                return TryQuantity(q, factUnit, out normalised, out rejection);
            case DateValue { Date.Year: 0 }:
                // A date value sent without its date arrives as the default PartialDate, which is no day at all.
                rejection = Rejection.Validation("missing-date", "A date value needs a date (yyyy, yyyy-MM or yyyy-MM-dd).");
                return false;
            case DateValue { Date.Year: < 2 or > 9997 } d:
                // "about" widens a date by up to a year each way; DateOnly covers the years 1 to 9999 only.
                rejection = Rejection.Validation("date-out-of-range", $"{d.Date} is outside the dates a value can take (years 2 to 9997).");
                return false;
            case DateValue d:
                normalised = NormalisedValue.Of(DateInterval(d));
                return true;
            case StatusValue s:
                var status = s.Status?.Trim() ?? "";
                if (allowedStatuses is not null && !allowedStatuses.Contains(status, StringComparer.Ordinal))
                {
                    rejection = Rejection.Validation("status-not-allowed",
                        $"'{status}' is not one of the fact's statuses: {string.Join(", ", allowedStatuses)}.");
                    return false;
                }

                normalised = NormalisedValue.Categorical(status);
                return true;
            case EntityValue e when !string.IsNullOrWhiteSpace(e.Entity):
                normalised = NormalisedValue.Categorical(e.Entity.Trim().ToLowerInvariant());
                return true;
            case BooleanValue b:
                normalised = NormalisedValue.Categorical(b.Value ? "true" : "false");
                return true;
            case TextValue t when !string.IsNullOrWhiteSpace(t.Text):
                // Texts match regardless of case and spacing: "Tianjin  declaration" is the same title.
                normalised = NormalisedValue.Categorical(
                    string.Join(' ', t.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant());
                return true;
            default:
                rejection = Rejection.Validation("empty-value", "The value is empty.");
                return false;
        }
    }

    public static Interval DateInterval(DateValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var d = value.Date;
        return value.Approx switch
        {
            DateApprox.About => Interval.HalfOpen(AboutBefore(d).DayNumber, AboutAfter(d).DayNumber),
            DateApprox.Before => Interval.LessThan(d.Start.DayNumber),
            DateApprox.After => Interval.AtLeast(d.End.DayNumber),
            _ => Interval.HalfOpen(d.Start.DayNumber, d.End.DayNumber),
        };
    }

    /// <summary>The interval a quantity stands for, in its own unit (before conversion to the fact's unit).</summary>
    public static bool TryQuantityInterval(QuantityValue q, out Interval interval, out Rejection? rejection) =>
        TryQuantityInterval(q, counted: false, out interval, out rejection);

    /// <param name="q">The claimed quantity.</param>
    /// <param name="counted">The fact counts things: whole numbers without a scale word are exact.</param>
    /// <param name="interval">The interval, in the quantity's own unit.</param>
    /// <param name="rejection">Why not, when it cannot be read.</param>
    public static bool TryQuantityInterval(QuantityValue q, bool counted, out Interval interval, out Rejection? rejection)
    {
        ArgumentNullException.ThrowIfNull(q);
        interval = default;
        rejection = null;
        if (!Units.TryGet(q.Unit, out var unit))
        {
            rejection = Rejection.Validation("unknown-unit", $"'{q.Unit}' is not a known unit.");
            return false;
        }

        if (!Units.TryScale(q.Scale, out var scale))
        {
            rejection = Rejection.Validation("unknown-scale", $"'{q.Scale}' is not a scale word (thousand, million, billion, trillion).");
            return false;
        }

        if (!Amount.TryParse(q.Amount, out var amount))
        {
            rejection = Rejection.Validation("bad-amount", $"'{q.Amount}' is neither a decimal number nor a known number word.");
            return false;
        }

        var whole = counted && string.IsNullOrEmpty(q.Scale);
        if (whole)
        {
            amount = Approximations.AsCount(amount);
        }

        // A word fraction of a ratio is a share of the whole (fraction units), converted to the claim's unit
        // below. Elsewhere ("half a million people") it is just a loose multiplier.
        var ratioWord = amount.Form == AmountForm.WordFraction && unit.IsRatio;
        if (amount.Form == AmountForm.WordFraction && !unit.IsRatio)
        {
            amount = new Amount(amount.Value, amount.Value * Approximations.NumeralRelative, AmountForm.Numeral);
        }

        if (q.Approx == QuantityApprox.Range)
        {
            if (!Amount.TryParse(q.AmountTo, out var to))
            {
                rejection = Rejection.Validation("bad-amount", $"A range needs amountTo; '{q.AmountTo}' is not an amount.");
                return false;
            }

            if (to.Value < amount.Value)
            {
                rejection = Rejection.Validation("bad-range", $"The range {q.Amount} to {q.AmountTo} runs backwards.");
                return false;
            }

            interval = Approximations.Range(amount, whole ? Approximations.AsCount(to) : to);
        }
        else
        {
            interval = Approximations.Widen(amount, q.Approx);
        }

        interval = interval.Scale(scale);
        if (ratioWord)
        {
            interval = interval.Scale(1 / unit.ToBase);
        }

        return true;
    }

    private static bool TryQuantity(QuantityValue q, string? factUnit, out NormalisedValue normalised, out Rejection? rejection)
    {
        normalised = default;
        var counted = Units.TryGet(factUnit, out var target) && target.IsCount;
        if (!TryQuantityInterval(q, counted, out var interval, out rejection))
        {
            return false;
        }

        Units.TryGet(q.Unit, out var unit);
        if (target is null)
        {
            rejection = Rejection.Validation("unknown-unit", $"The fact's unit '{factUnit}' is not a known unit.");
            return false;
        }

        if (unit.Dimension != target.Dimension)
        {
            rejection = Rejection.Validation("unit-dimension-mismatch",
                $"'{unit.Name}' measures {unit.Dimension}; the fact is in {target.Name} ({target.Dimension}).");
            return false;
        }

        normalised = NormalisedValue.Of(interval.Scale(Units.Factor(unit, target)));
        return true;
    }

    public static string Name(FactValueType type) => type.ToString().ToLowerInvariant();
}

/// <summary>Writes a normalised value back as words a reader understands.</summary>
public static class ValueDisplay
{
    public static string Quantity(Interval interval, string? unit)
    {
        // Reconciled quantities are rarely exactly one, so durations read as plurals: "more than 20 years".
        var u = string.IsNullOrEmpty(unit) ? "" : unit is "year" or "decade" ? $" {unit}s" : " " + unit;
        if (interval.IsEmpty)
        {
            return "no consistent value";
        }

        if (interval.IsBounded)
        {
            if (interval.Width == 0)
            {
                return Number(interval.Lower) + u;
            }

            // Narrow enough to say "about": within a tenth of the centre either way.
            return interval.Width / 2 <= Math.Abs(interval.Centre) * 0.1
                ? $"about {Number(interval.Centre)}{u}"
                : $"between {Number(interval.Lower)} and {Number(interval.Upper)}{u}";
        }

        if (double.IsInfinity(interval.Lower) && double.IsInfinity(interval.Upper))
        {
            return "any value";
        }

        return double.IsPositiveInfinity(interval.Upper)
            ? $"{(interval.LowerClosed ? "at least" : "more than")} {Number(interval.Lower)}{u}"
            : $"{(interval.UpperClosed ? "at most" : "less than")} {Number(interval.Upper)}{u}";
    }

    public static string Date(Interval interval)
    {
        if (interval.IsEmpty)
        {
            return "no consistent date";
        }

        if (interval.IsBounded)
        {
            var start = DateOnly.FromDayNumber((int)interval.Lower);
            var last = DateOnly.FromDayNumber((int)interval.Upper - (interval.UpperClosed ? 0 : 1));
            return start == last ? Iso(start)
                : start.Day == 1 && start.Month == 1 && last.Month == 12 && last.Day == 31 && start.Year == last.Year
                    ? start.Year.ToString("D4", CultureInfo.InvariantCulture)
                : start.Day == 1 && last.AddDays(1).Day == 1 && start.Year == last.Year && start.Month == last.Month
                    ? start.ToString("yyyy-MM", CultureInfo.InvariantCulture)
                : $"between {Iso(start)} and {Iso(last)}";
        }

        return double.IsPositiveInfinity(interval.Upper)
            ? double.IsNegativeInfinity(interval.Lower) ? "any date" : $"on or after {Iso(DateOnly.FromDayNumber((int)interval.Lower))}"
            : $"before {Iso(DateOnly.FromDayNumber((int)interval.Upper))}";
    }

    private static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Number(double x)
    {
        var abs = Math.Abs(x);
        return abs >= 1e9 && abs < 1e15 ? Round(x / 1e9) + " billion"
            : abs >= 1e6 && abs < 1e9 ? Round(x / 1e6) + " million"
            : Round(x);
    }

    private static string Round(double x) => Math.Round(x, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
