using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SCOFacts.Domain.Values;

[JsonConverter(typeof(JsonStringEnumConverter<DatePrecision>))]
public enum DatePrecision
{
    [JsonStringEnumMemberName("year")] Year,
    [JsonStringEnumMemberName("month")] Month,
    [JsonStringEnumMemberName("day")] Day,
}

/// <summary>
/// A date written with the precision its source gave: "2001", "2001-06" or "2001-06-15".
/// It stands for a whole day range, [Start, End): "2001" is every day of 2001.
/// </summary>
[JsonConverter(typeof(PartialDateJsonConverter))]
public readonly record struct PartialDate : IComparable<PartialDate>
{
    private PartialDate(int year, int month, int day, DatePrecision precision)
    {
        Year = year;
        Month = month;
        Day = day;
        Precision = precision;
    }

    public int Year { get; }

    /// <summary>1 when the precision is Year.</summary>
    public int Month { get; }

    /// <summary>1 when the precision is Year or Month.</summary>
    public int Day { get; }

    public DatePrecision Precision { get; }

    public static PartialDate OfYear(int year) => new(year, 1, 1, DatePrecision.Year);

    public static PartialDate OfMonth(int year, int month) => new(year, month, 1, DatePrecision.Month);

    public static PartialDate OfDay(DateOnly date) => new(date.Year, date.Month, date.Day, DatePrecision.Day);

    /// <summary>First day covered.</summary>
    public DateOnly Start => new(Year, Month, Day);

    /// <summary>First day after the covered range.</summary>
    public DateOnly End => Precision switch
    {
        DatePrecision.Year => Start.AddYears(1),
        DatePrecision.Month => Start.AddMonths(1),
        _ => Start.AddDays(1),
    };

    public static bool TryParse(string? text, out PartialDate date)
    {
        date = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var parts = text.Trim().Split('-');
        if (parts.Length is < 1 or > 3 || parts[0].Length != 4 || parts.Skip(1).Any(p => p.Length != 2))
        {
            return false;
        }

        var numbers = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return false;
            }
        }

        if (numbers[0] < 1)
        {
            return false;
        }

        if (numbers.Length == 1)
        {
            date = OfYear(numbers[0]);
            return true;
        }

        if (numbers[1] is < 1 or > 12)
        {
            return false;
        }

        if (numbers.Length == 2)
        {
            date = OfMonth(numbers[0], numbers[1]);
            return true;
        }

        if (numbers[2] < 1 || numbers[2] > DateTime.DaysInMonth(numbers[0], numbers[1]))
        {
            return false;
        }

        date = new PartialDate(numbers[0], numbers[1], numbers[2], DatePrecision.Day);
        return true;
    }

    public static PartialDate Parse(string text) =>
        TryParse(text, out var date) ? date : throw new FormatException($"'{text}' is not a partial ISO date (yyyy, yyyy-MM or yyyy-MM-dd).");

    public int CompareTo(PartialDate other)
    {
        var byStart = Start.CompareTo(other.Start);
        return byStart != 0 ? byStart : Precision.CompareTo(other.Precision);
    }

    public static bool operator <(PartialDate left, PartialDate right) => left.CompareTo(right) < 0;

    public static bool operator >(PartialDate left, PartialDate right) => left.CompareTo(right) > 0;

    public static bool operator <=(PartialDate left, PartialDate right) => left.CompareTo(right) <= 0;

    public static bool operator >=(PartialDate left, PartialDate right) => left.CompareTo(right) >= 0;

    public override string ToString() => Precision switch
    {
        DatePrecision.Year => Year.ToString("D4", CultureInfo.InvariantCulture),
        DatePrecision.Month => string.Create(CultureInfo.InvariantCulture, $"{Year:D4}-{Month:D2}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Year:D4}-{Month:D2}-{Day:D2}"),
    };
}

/// <summary>Reads and writes a <see cref="PartialDate"/> as its ISO string.</summary>
public sealed class PartialDateJsonConverter : JsonConverter<PartialDate>
{
    public override PartialDate Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return PartialDate.TryParse(text, out var date)
            ? date
            : throw new JsonException($"Expected a partial ISO date string (yyyy, yyyy-MM or yyyy-MM-dd), got '{text}'.");
    }

    public override void Write(Utf8JsonWriter writer, PartialDate value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
