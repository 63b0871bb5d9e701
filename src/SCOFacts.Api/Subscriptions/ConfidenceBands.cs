namespace SCOFacts.Api.Subscriptions;

/// <summary>
/// The confidence bands an answer's confidence falls into. A subscriber hears of a change of band, not of every
/// small move of the number: weights re-estimated nightly nudge confidences by thousandths all the time.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>low</c></term><description>below 0.40</description></item>
/// <item><term><c>medium</c></term><description>0.40 up to (not including) 0.70</description></item>
/// <item><term><c>high</c></term><description>0.70 up to (not including) 0.90</description></item>
/// <item><term><c>very-high</c></term><description>0.90 and above</description></item>
/// </list>
/// An answer without a confidence (no claim stands) is in band <c>none</c>.
/// </remarks>
public static class ConfidenceBands
{
    /// <summary>The lower bound of each band above <c>low</c>, with its name, highest first.</summary>
    private static readonly (double From, string Name)[] Bands = [(0.90, "very-high"), (0.70, "high"), (0.40, "medium")];

    /// <summary>The band of an answer with no confidence.</summary>
    public const string None = "none";

    /// <summary>The band of the lowest confidences.</summary>
    public const string Low = "low";

    /// <summary>The band <paramref name="confidence"/> falls into.</summary>
    public static string Of(double? confidence)
    {
        if (confidence is not { } value || double.IsNaN(value)) return None;
        foreach (var (from, name) in Bands)
        {
            if (value >= from) return name;
        }
        return Low;
    }
}
