using System.Globalization;

namespace SCOFacts.Domain.Values;

/// <summary>How an amount was written, which decides how loosely it is read (see <see cref="Approximations"/>).</summary>
public enum AmountForm
{
    /// <summary>Digits or a whole-number word: its precision is half the last written unit.</summary>
    Numeral,

    /// <summary>"half", "a quarter", "one-third": a fraction of a whole, used loosely by writers.</summary>
    WordFraction,
}

/// <summary>A parsed amount: its nominal value, the half-width its written digits imply, and its form.</summary>
public readonly record struct Amount(double Value, double Precision, AmountForm Form)
{
    private static readonly Dictionary<string, double> Fractions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["half"] = 0.5, ["a half"] = 0.5, ["one half"] = 0.5, ["one-half"] = 0.5,
        ["a quarter"] = 0.25, ["quarter"] = 0.25, ["one quarter"] = 0.25, ["one-quarter"] = 0.25,
        ["three quarters"] = 0.75, ["three-quarters"] = 0.75,
        ["a third"] = 1.0 / 3, ["third"] = 1.0 / 3, ["one third"] = 1.0 / 3, ["one-third"] = 1.0 / 3,
        ["two thirds"] = 2.0 / 3, ["two-thirds"] = 2.0 / 3,
        ["a fifth"] = 0.2, ["one-fifth"] = 0.2, ["one fifth"] = 0.2,
    };

    private static readonly Dictionary<string, double> Wholes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["one"] = 1, ["a"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7,
        ["eight"] = 8, ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12, ["thirteen"] = 13,
        ["fourteen"] = 14, ["fifteen"] = 15, ["sixteen"] = 16, ["seventeen"] = 17, ["eighteen"] = 18,
        ["nineteen"] = 19, ["twenty"] = 20, ["thirty"] = 30, ["forty"] = 40, ["fifty"] = 50,
        ["hundred"] = 100, ["a hundred"] = 100, ["one hundred"] = 100, ["dozen"] = 12, ["a dozen"] = 12,
    };

    public static bool IsNumberWord(string text) =>
        Fractions.ContainsKey(text.Trim()) || Wholes.ContainsKey(text.Trim());

    public static bool TryParse(string? text, out Amount amount)
    {
        amount = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        if (Fractions.TryGetValue(trimmed, out var fraction))
        {
            amount = new Amount(fraction, 0, AmountForm.WordFraction);
            return true;
        }

        if (Wholes.TryGetValue(trimmed, out var whole))
        {
            // A whole-number word is a rounded count, as if written in digits.
            amount = new Amount(whole, 0.5, AmountForm.Numeral);
            return true;
        }

        if (!decimal.TryParse(trimmed, NumberStyles.AllowDecimalPoint | NumberStyles.AllowThousands,
                CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var dot = trimmed.IndexOf('.', StringComparison.Ordinal);
        var decimals = dot < 0 ? 0 : trimmed.Length - dot - 1;
        amount = new Amount((double)number, 0.5 * Math.Pow(10, -decimals), AmountForm.Numeral);
        return true;
    }
}
