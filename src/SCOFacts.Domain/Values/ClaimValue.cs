using System.Globalization;
using System.Text.Json.Serialization;

namespace SCOFacts.Domain.Values;

/// <summary>
/// A claimed value exactly as the document gave it, with its own precision and approximation.
/// It is normalised (to an <see cref="Interval"/> or a categorical key) only when compared.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(QuantityValue), "quantity")]
[JsonDerivedType(typeof(DateValue), "date")]
[JsonDerivedType(typeof(StatusValue), "status")]
[JsonDerivedType(typeof(EntityValue), "entity")]
[JsonDerivedType(typeof(BooleanValue), "boolean")]
[JsonDerivedType(typeof(TextValue), "text")]
public abstract record ClaimValue
{
    // Not virtual: an override would lose [JsonIgnore] and leak into the seed-format JSON.
    [JsonIgnore]
    public FactValueType ValueType => this switch
    {
        QuantityValue => FactValueType.Quantity,
        DateValue => FactValueType.Date,
        StatusValue => FactValueType.Status,
        EntityValue => FactValueType.Entity,
        BooleanValue => FactValueType.Boolean,
        _ => FactValueType.Text,
    };

    /// <summary>The value as a sentence would say it: "nearly half", "more than 2 decade", "member".</summary>
    public abstract string Describe();
}

[JsonConverter(typeof(JsonStringEnumConverter<FactValueType>))]
public enum FactValueType
{
    [JsonStringEnumMemberName("quantity")] Quantity,
    [JsonStringEnumMemberName("date")] Date,
    [JsonStringEnumMemberName("status")] Status,
    [JsonStringEnumMemberName("entity")] Entity,
    [JsonStringEnumMemberName("boolean")] Boolean,
    [JsonStringEnumMemberName("text")] Text,
}

[JsonConverter(typeof(JsonStringEnumConverter<QuantityApprox>))]
public enum QuantityApprox
{
    [JsonStringEnumMemberName("exact")] Exact,
    [JsonStringEnumMemberName("about")] About,
    [JsonStringEnumMemberName("nearly")] Nearly,
    [JsonStringEnumMemberName("more-than")] MoreThan,
    [JsonStringEnumMemberName("less-than")] LessThan,
    [JsonStringEnumMemberName("at-least")] AtLeast,
    [JsonStringEnumMemberName("at-most")] AtMost,
    [JsonStringEnumMemberName("range")] Range,
}

[JsonConverter(typeof(JsonStringEnumConverter<DateApprox>))]
public enum DateApprox
{
    [JsonStringEnumMemberName("exact")] Exact,
    [JsonStringEnumMemberName("about")] About,
    [JsonStringEnumMemberName("before")] Before,
    [JsonStringEnumMemberName("after")] After,
}

/// <param name="Amount">A decimal string as written ("44", "3.4") or a number word ("half", "two").</param>
/// <param name="Unit">A unit name from <see cref="Units"/>: percent, fraction, year, decade, km2, usd or a count.</param>
/// <param name="Approx">How the writer hedged the amount; see <see cref="Approximations"/>.</param>
/// <param name="Scale">thousand, million, billion or trillion, or null.</param>
/// <param name="AmountTo">The upper amount when <paramref name="Approx"/> is range.</param>
public sealed record QuantityValue(
    string Amount,
    string Unit,
    QuantityApprox Approx = QuantityApprox.Exact,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Scale = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AmountTo = null) : ClaimValue
{
    public override string Describe()
    {
        var amount = Approx == QuantityApprox.Range ? $"{Amount} to {AmountTo}" : Amount;
        var words = new[] { ApproxWords(Approx), amount, Scale, UnitWords(Unit) };
        return string.Join(' ', words.Where(w => !string.IsNullOrEmpty(w)));
    }

    private static string ApproxWords(QuantityApprox approx) => approx switch
    {
        QuantityApprox.About => "about",
        QuantityApprox.Nearly => "nearly",
        QuantityApprox.MoreThan => "more than",
        QuantityApprox.LessThan => "less than",
        QuantityApprox.AtLeast => "at least",
        QuantityApprox.AtMost => "at most",
        QuantityApprox.Range => "between",
        _ => "",
    };

    // "half" needs no unit word; "2 decade" reads better as "2 decades".
    private string UnitWords(string unit) => unit switch
    {
        "fraction" => "",
        "year" or "decade" when Amount is not ("1" or "one" or "a") => unit + "s",
        _ => unit,
    };
}

public sealed record DateValue(PartialDate Date, DateApprox Approx = DateApprox.Exact) : ClaimValue
{
    public override string Describe() => Approx switch
    {
        DateApprox.About => $"about {Date}",
        DateApprox.Before => $"before {Date}",
        DateApprox.After => $"after {Date}",
        _ => Date.ToString(),
    };
}

public sealed record StatusValue(string Status) : ClaimValue
{
    public override string Describe() => Status;
}

public sealed record EntityValue(
    string Entity,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Label = null) : ClaimValue
{
    public override string Describe() => Label ?? Entity;
}

public sealed record BooleanValue(bool Value) : ClaimValue
{
    public override string Describe() => Value ? "yes" : "no";
}

public sealed record TextValue(string Text) : ClaimValue
{
    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"\u201c{Text}\u201d");
}
