using System.Text.RegularExpressions;

namespace SCOFacts.Domain.Values;

/// <summary>
/// Reads common English quantity phrases into a structured <see cref="QuantityValue"/>:
/// "44 percent", "nearly half", "about one quarter", "more than two decades", "3.4 billion people".
/// Used by import tooling and tests; claims themselves always carry the structured form.
/// </summary>
public static partial class QuantityPhrase
{
    private static readonly (string Words, QuantityApprox Approx)[] Hedges =
    [
        ("more than", QuantityApprox.MoreThan), ("over", QuantityApprox.MoreThan),
        ("less than", QuantityApprox.LessThan), ("fewer than", QuantityApprox.LessThan), ("under", QuantityApprox.LessThan),
        ("at least", QuantityApprox.AtLeast), ("at most", QuantityApprox.AtMost), ("up to", QuantityApprox.AtMost),
        ("about", QuantityApprox.About), ("around", QuantityApprox.About), ("approximately", QuantityApprox.About),
        ("roughly", QuantityApprox.About), ("some", QuantityApprox.About),
        ("nearly", QuantityApprox.Nearly), ("almost", QuantityApprox.Nearly),
        ("exactly", QuantityApprox.Exact),
    ];

    private static readonly Dictionary<string, string> UnitWords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["percent"] = "percent", ["per cent"] = "percent", ["%"] = "percent",
        ["year"] = "year", ["years"] = "year", ["decade"] = "decade", ["decades"] = "decade",
        ["km2"] = "km2", ["square kilometres"] = "km2", ["square kilometers"] = "km2", ["sq km"] = "km2",
        ["usd"] = "usd", ["dollars"] = "usd", ["us dollars"] = "usd",
        ["country"] = "countries", ["countries"] = "countries", ["state"] = "states", ["states"] = "states",
        ["vote"] = "votes", ["votes"] = "votes", ["people"] = "people", ["persons"] = "people",
        ["member"] = "members", ["members"] = "members", ["event"] = "events", ["events"] = "events",
    };

    private static readonly string[] Scales = ["thousand", "million", "billion", "trillion"];

    [GeneratedRegex(@"^between\s+(?<from>.+?)\s+and\s+(?<to>.+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BetweenPattern();

    public static bool TryParse(string? phrase, out QuantityValue value)
    {
        value = null!;
        if (string.IsNullOrWhiteSpace(phrase))
        {
            return false;
        }

        var text = string.Join(' ', phrase.Trim().ToLowerInvariant().Replace("%", " %", StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries));

        var between = BetweenPattern().Match(text);
        if (between.Success)
        {
            // "between 40 and 45 percent": the unit and scale come after the second amount.
            if (!TryParse(between.Groups["to"].Value, out var upper) || upper.Approx != QuantityApprox.Exact
                || !Amount.TryParse(between.Groups["from"].Value, out _))
            {
                return false;
            }

            value = upper with { Amount = between.Groups["from"].Value, AmountTo = upper.Amount, Approx = QuantityApprox.Range };
            return true;
        }

        var approx = QuantityApprox.Exact;
        foreach (var (words, hedge) in Hedges)
        {
            if (text.StartsWith(words + " ", StringComparison.Ordinal))
            {
                approx = hedge;
                text = text[(words.Length + 1)..];
                break;
            }
        }

        var tokens = text.Split(' ');
        // The amount is the longest leading run of tokens that reads as one ("a quarter", "one-third", "3.4").
        for (var take = Math.Min(3, tokens.Length); take >= 1; take--)
        {
            var amountText = string.Join(' ', tokens[..take]);
            if (!Amount.TryParse(amountText, out var amount))
            {
                continue;
            }

            var rest = tokens[take..].ToList();
            string? scale = null;
            if (rest.Count > 0 && Scales.Contains(rest[0]))
            {
                scale = rest[0];
                rest.RemoveAt(0);
            }

            string unit;
            if (rest.Count == 0)
            {
                if (amount.Form != AmountForm.WordFraction)
                {
                    return false;
                }

                unit = "fraction";
            }
            else if (!UnitWords.TryGetValue(string.Join(' ', rest), out unit!))
            {
                return false;
            }

            // Keep the amount as written, minus the article a writer puts before a word fraction.
            value = new QuantityValue(amountText, unit, approx, scale);
            return true;
        }

        return false;
    }
}
