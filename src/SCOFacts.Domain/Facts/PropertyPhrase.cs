using System.Globalization;

namespace SCOFacts.Domain.Facts;

/// <summary>
/// Turns a fact's property and qualifiers into words an explanation can say aloud: "founded-on" is "the founding
/// date", "co-sponsor-count" with a resolution is "the number of co-sponsors of A/RES/79/388".
/// </summary>
public static class PropertyPhrase
{
    // Verbs in "<verb>-on" properties, as the noun that names their date.
    private static readonly Dictionary<string, string> DateNouns = new(StringComparer.Ordinal)
    {
        ["founded"] = "founding", ["adopted"] = "adoption", ["signed"] = "signing", ["proposed"] = "proposal",
        ["established"] = "establishment", ["introduced"] = "introduction",
    };

    // Properties whose literal reading is awkward.
    private static readonly Dictionary<string, string> Whole = new(StringComparer.Ordinal)
    {
        ["age-years"] = "the age in years",
        ["votes-in-favour"] = "the number of votes in favour",
        ["is-largest-regional-organization"] = "whether it is the largest regional organisation",
        ["gdp-share-of-world"] = "the share of the world's GDP",
        ["un-general-assembly-observer-since"] = "the date it became an observer at the UN General Assembly",
        ["date"] = "the date",
    };

    // Words kept with their hyphen: "co-sponsor" reads as one word.
    private static readonly string[] HyphenatedPrefixes = ["co-", "non-", "self-"];

    /// <summary>The property with its qualifiers, e.g. "the membership status of India".</summary>
    public static string Describe(string property, IReadOnlyDictionary<string, string> qualifiers)
    {
        ArgumentNullException.ThrowIfNull(property);
        ArgumentNullException.ThrowIfNull(qualifiers);
        var what = Property(property);
        var tail = qualifiers.OrderBy(q => q.Key, StringComparer.Ordinal).Select(q => Qualifier(q.Key, q.Value));
        return string.Join(' ', new[] { what }.Concat(tail));
    }

    /// <summary>The property alone: "the founding date", "the number of dialogue partners".</summary>
    public static string Property(string property)
    {
        ArgumentNullException.ThrowIfNull(property);
        if (Whole.TryGetValue(property, out var whole)) return whole;
        if (property.EndsWith("-count", StringComparison.Ordinal))
            return "the number of " + Plural(Words(property[..^"-count".Length]));
        if (property.EndsWith("-share-of-world", StringComparison.Ordinal))
            return $"the share of the world's {Words(property[..^"-share-of-world".Length])}";
        if (property.EndsWith("-on", StringComparison.Ordinal))
        {
            var verb = property[..^"-on".Length];
            return DateNouns.TryGetValue(verb, out var noun) ? $"the {noun} date" : $"the date it was {Words(verb)}";
        }

        return "the " + Words(property);
    }

    private static string Qualifier(string key, string value) => key switch
    {
        "state" or "country" => "of " + TitleCase(value),
        "year" => "in " + value,
        "document" => value.StartsWith("the ", StringComparison.OrdinalIgnoreCase) ? "of " + value : "of the " + value,
        _ => "of " + value,
    };

    private static string Words(string slug)
    {
        var text = slug.Replace('.', ' ');
        var words = new List<string>();
        foreach (var part in text.Split('-', StringSplitOptions.RemoveEmptyEntries))
        {
            if (words.Count > 0 && HyphenatedPrefixes.Contains(words[^1] + "-", StringComparer.Ordinal))
                words[^1] += "-" + part;
            else
                words.Add(part);
        }

        return string.Join(' ', words);
    }

    private static string Plural(string noun) =>
        noun.EndsWith('s') ? noun
        : noun.EndsWith('y') && !noun.EndsWith("ey", StringComparison.Ordinal) ? noun[..^1] + "ies"
        : noun + "s";

    // Qualifier values are stored lower-case ("india"); a name reads better capitalised.
    private static string TitleCase(string value) =>
        value.Length > 0 && value.All(c => char.IsLower(c) || c is ' ' or '-')
            ? CultureInfo.InvariantCulture.TextInfo.ToTitleCase(value)
            : value;
}
