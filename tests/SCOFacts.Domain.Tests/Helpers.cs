using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Tests;

internal static class Build
{
    public const string Principal = "tester";

    public static QuantityValue Q(string amount, string unit, QuantityApprox approx = QuantityApprox.Exact, string? scale = null) =>
        new(amount, unit, approx, scale);

    public static ValidTime At(string date) => ValidTime.Instant(PartialDate.Parse(date));

    public static ValidTime Between(string? from, string? to) =>
        ValidTime.Between(from is null ? null : PartialDate.Parse(from), to is null ? null : PartialDate.Parse(to));

    public static DateOnly Day(string iso) => DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    public static FactDefined QuantityFact(string id = "sco.population-share-of-world", string unit = "percent") =>
        new(id, "sco", "population-share-of-world", new Dictionary<string, string>(), FactValueType.Quantity, unit, null,
            "Share of the world's population living in SCO member states.", Principal);

    public static FactDefined StatusFact(string id = "sco.membership-status.india") =>
        new(id, "sco", "membership-status", new Dictionary<string, string> { ["state"] = "india" }, FactValueType.Status, null,
            ["applicant", "dialogue-partner", "observer", "member", "former-member"], "India's SCO status.", Principal);

    public static ClaimRecorded Claim(string factId, string claimId, string sourceId, ClaimValue value, ValidTime validTime) =>
        new(factId, claimId, sourceId, value, validTime, "quote for " + claimId, new Locator(1, 0), null, Principal);

    public static FactState Fold(params object[] events) => Fact.Fold(events);

    public static SourceReliabilities Reliabilities(params (string Source, string Publisher, double Reliability)[] entries) =>
        new(entries.Select(e => new SourceReliability(e.Source, e.Publisher, e.Reliability, ReliabilityOrigin.Rated, 1, "Title of " + e.Source)));
}

internal static class IntervalAssert
{
    public static void Equal(double lower, double upper, bool lowerClosed, bool upperClosed, Interval actual)
    {
        Assert.True(Close(lower, actual.Lower) && Close(upper, actual.Upper)
                && lowerClosed == actual.LowerClosed && upperClosed == actual.UpperClosed,
            $"expected {new Interval(lower, upper, lowerClosed, upperClosed)}, got {actual}");
    }

    private static bool Close(double expected, double actual) =>
        double.IsInfinity(expected) ? expected == actual : Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected));
}
