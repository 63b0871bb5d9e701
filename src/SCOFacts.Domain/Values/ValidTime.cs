using System.Text.Json.Serialization;

namespace SCOFacts.Domain.Values;

/// <summary>
/// When a claimed value held in the world: an instant <c>{ "at": "2017" }</c> or an interval
/// <c>{ "from": "2017-06", "to": "2025" }</c> with either end optional. Each date covers its whole period,
/// so "at 2017" is every day of 2017 and "to 2025" runs to the end of 2025.
/// </summary>
public sealed record ValidTime(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PartialDate? At = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PartialDate? From = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PartialDate? To = null)
{
    public static ValidTime Instant(PartialDate at) => new(At: at);

    public static ValidTime Between(PartialDate? from, PartialDate? to) => new(From: from, To: to);

    /// <summary>Valid always: an interval with both ends open.</summary>
    public static ValidTime Always { get; } = new();

    /// <summary>The covered days, [Start, End); a null end is open.</summary>
    [JsonIgnore]
    public DateRange Range => At is { } at
        ? new DateRange(at.Start, at.End)
        : new DateRange(From?.Start, To?.End);

    /// <summary>Null when well-formed; otherwise why not.</summary>
    public Rejection? Validate()
    {
        // The last day of 9999 has no day after it, so the end of a range in that year cannot be represented.
        if (At is { Year: >= 9999 } || From is { Year: >= 9999 } || To is { Year: >= 9999 })
        {
            return Rejection.Validation("bad-valid-time", "A valid time must lie before the year 9999.");
        }

        if (At is not null && (From is not null || To is not null))
        {
            return Rejection.Validation("bad-valid-time", "A valid time is either an instant (at) or an interval (from/to), not both.");
        }

        return From is { } from && To is { } to && from.Start > to.Start
            ? Rejection.Validation("bad-valid-time", $"The valid time runs backwards: from {from} to {to}.")
            : null;
    }

    public override string ToString() => At is { } at ? at.ToString()
        : $"{(From is { } f ? f.ToString() : "")}..{(To is { } t ? t.ToString() : "")}";
}

/// <summary>Days [Start, End); a null Start or End is unbounded on that side.</summary>
public readonly record struct DateRange(DateOnly? Start, DateOnly? End)
{
    public bool Contains(DateOnly day) => (Start is null || day >= Start) && (End is null || day < End);

    public bool IsEmpty => Start is { } s && End is { } e && e <= s;

    public override string ToString() => $"[{Start?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "-inf"}, {End?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "+inf"})";
}
