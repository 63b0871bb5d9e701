using System.Collections.Immutable;
using System.Globalization;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Trust;
using SCOFacts.Domain.Values;

namespace SCOFacts.Benchmarks.Quality;

/// <summary>
/// The production reconciliation: each object becomes a fact folded from FactDefined and ClaimRecorded events
/// (numbers written as a source would write them, so that the domain's own normaliser turns them back into the
/// claimed intervals; keys as texts), reconciled by <see cref="Reconciler"/> with every source at the weight
/// <c>reliabilityOf</c> gives it and its voice as its publisher.
/// </summary>
public sealed class ReconcilerResolver : IObjectResolver
{
    // Not a count: counts written in whole numbers are exact, and the generated figures are rounded.
    internal const string Unit = "km2";

    private static readonly (double Factor, string? Word)[] Scales =
        [(1, null), (1e3, "thousand"), (1e6, "million"), (1e9, "billion"), (1e12, "trillion")];

    public string Name => "Reconciler (SCOFacts.Domain)";

    public TrustValue? Resolve(IReadOnlyList<TrustClaim> claims, Func<string, double> reliabilityOf) =>
        Reconcile(claims, reliabilityOf)?.Value switch
        {
            { Key: { } key } => TrustValue.Category(key),
            { Interval: { } interval } => TrustValue.Numeric(interval),
            _ => null,
        };

    /// <summary>The whole answer (value, verdict, confidence) the domain gives for one object.</summary>
    /// <param name="claims">The object's claims.</param>
    /// <param name="reliabilityOf">Each source's weight.</param>
    /// <param name="copyGroupOf">Each source's copy group, as the trust projection stores it; null for none.</param>
    public static FactReconciliation? Reconcile(IReadOnlyList<TrustClaim> claims, Func<string, double> reliabilityOf,
        Func<string, string?>? copyGroupOf = null)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(reliabilityOf);
        if (claims.Count == 0) return null;
        var categorical = claims[0].Value.IsCategorical;
        var factId = claims[0].ObjectId;
        var events = new List<object>
        {
            new FactDefined(factId, factId, "value", ImmutableDictionary<string, string>.Empty,
                categorical ? FactValueType.Text : FactValueType.Quantity, categorical ? null : Unit, null, factId, "benchmark"),
        };
        foreach (var claim in claims)
        {
            if (claim.Value.IsCategorical != categorical) continue;
            events.Add(new ClaimRecorded(factId, claim.ClaimId, claim.SourceId, Written(claim.Value), ValidTime.Always,
                "-", null, null, "benchmark"));
        }

        var fact = Fact.Fold(events);
        var reliabilities = new SourceReliabilities(claims.Select(c => c.SourceId).Distinct(StringComparer.Ordinal)
            .Select(id => new SourceReliability(id, claims.First(c => c.SourceId == id).Voice, reliabilityOf(id), ReliabilityOrigin.Learned, 0,
                CopyGroup: copyGroupOf?.Invoke(id))));
        return Reconciler.Reconcile(fact, reliabilities, validAt: null);
    }

    /// <summary>Whether the domain's normaliser reads the written claim back as the claimed value (to a relative 1e-9).</summary>
    public static bool RoundTrips(TrustValue value)
    {
        var categorical = value.IsCategorical;
        if (!ValueNormaliser.TryNormalise(Written(value), categorical ? FactValueType.Text : FactValueType.Quantity,
                categorical ? null : Unit, null, out var read, out _)) return false;
        if (categorical) return read.Key == value.Key;
        var tolerance = 1e-9 * Math.Max(Math.Abs(value.Interval.Lower), Math.Abs(value.Interval.Upper));
        return read.Interval is { } i && Math.Abs(i.Lower - value.Interval.Lower) <= tolerance && Math.Abs(i.Upper - value.Interval.Upper) <= tolerance;
    }

    /// <summary>
    /// A claimed interval as a source writes it. The benchmark's numbers are rounded to significant digits, so
    /// [v - u/2, v + u/2] with u a power of ten: written as v in the smallest scale word at least u, with as many
    /// decimals as that takes, which the normaliser reads back as exactly that interval. Anything else is a range.
    /// </summary>
    internal static ClaimValue Written(TrustValue value)
    {
        if (value.Key is { } key) return new TextValue(key);
        var interval = value.Interval;
        var unit = interval.Upper - interval.Lower;
        var centre = interval.Lower + (unit / 2);
        var exponent = Math.Round(Math.Log10(unit));
        if (unit > 0 && Math.Abs(Math.Pow(10, exponent) - unit) <= unit * 1e-9 && centre >= 0)
        {
            var (factor, word) = Scales.First(s => s.Factor >= unit || s.Factor == Scales[^1].Factor);
            var decimals = (int)Math.Max(0, Math.Round(Math.Log10(factor / unit)));
            var amount = (centre / factor).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            return new QuantityValue(amount, Unit, QuantityApprox.Exact, word);
        }

        return new QuantityValue(interval.Lower.ToString("R", CultureInfo.InvariantCulture), Unit, QuantityApprox.Range, null,
            interval.Upper.ToString("R", CultureInfo.InvariantCulture));
    }
}
