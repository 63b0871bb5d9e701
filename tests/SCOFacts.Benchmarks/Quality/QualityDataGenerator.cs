using System.Globalization;
using SCOFacts.Domain.Trust;
using SCOFacts.Domain.Values;

namespace SCOFacts.Benchmarks.Quality;

/// <summary>The true value of one object and what kind of object it is, for scoring.</summary>
public sealed record GroundTruth(string ObjectId, TrustValue Truth, bool Hard, bool BotTarget);

public sealed record QualityDataSet(IReadOnlyList<TrustClaim> Claims, IReadOnlyDictionary<string, GroundTruth> Truth, string Description);

/// <summary>
/// Synthetic claims with known truth, shaped like the real problem rather than like the
/// estimator: most sources are more often right than wrong (so majority vote is a fair
/// baseline), claim counts per source and per object are heavy-tailed, and the difficulty comes
/// from a sloppy bot network that copies one original, crowds of poor sources repeating the same
/// stale figure on some objects, publishers whose articles repeat each other, rounding (a
/// source's interval reflects the digits it gives), noise and a few vandals.
/// Deterministic for a given seed.
/// </summary>
public sealed class QualityDataGenerator(int seed = 20_261_123)
{
    public int Objects { get; init; } = 32_000;
    public int RegularSources { get; init; } = 4_900;
    public int Bots { get; init; } = 6;
    public int BotNetworkObjects { get; init; } = 2_400;
    public double BotCoverage { get; init; } = 0.6;
    public double BotOriginalAccuracy { get; init; } = 0.45;
    public int Vandals { get; init; } = 60;
    public double CategoricalShare { get; init; } = 0.25;
    public double HardShare { get; init; } = 0.15;
    public int MaxClaimsPerSource { get; init; } = 1_200;

    private readonly Random _random = new(seed);

    private sealed record ObjectTruth(string Id, bool Categorical, double Value, int Key, double Stale, int StaleKey, bool Hard);

    private sealed record Source(string Id, string Voice, double Accuracy, int Digits, bool Poor);

    public QualityDataSet Generate()
    {
        var objects = new ObjectTruth[Objects];
        for (var o = 0; o < Objects; o++)
        {
            var categorical = _random.NextDouble() < CategoricalShare;
            var value = Math.Pow(10, _random.NextDouble() * 7) * (1 + _random.NextDouble());
            var stale = value * (1 + (Sign() * (0.08 + (0.3 * _random.NextDouble()))));
            var key = _random.Next(6);
            var staleKey = (key + 1 + _random.Next(5)) % 6;
            objects[o] = new ObjectTruth($"obj-{o:D6}", categorical, value, key, stale, staleKey, _random.NextDouble() < HardShare);
        }

        // Popularity is heavy-tailed: a few objects draw many claims, most draw one or two.
        var popularity = new double[Objects];
        var order = Enumerable.Range(0, Objects).ToArray();
        _random.Shuffle(order);
        for (var rank = 0; rank < Objects; rank++) popularity[order[rank]] = 1 / Math.Pow(rank + 1, 0.45);
        var all = Cumulative(Enumerable.Range(0, Objects), popularity);
        var hardObjects = Enumerable.Range(0, Objects).Where(o => objects[o].Hard).ToArray();
        var hard = Cumulative(hardObjects, popularity);

        var claims = new List<TrustClaim>(60_000);
        var claimNumber = 0;
        var botTargets = new HashSet<string>(StringComparer.Ordinal);
        string NextId() => $"claim-{claimNumber++:D7}";

        // Regular sources: a spread of accuracies, a fifth of them poor; some are articles of one publisher.
        var sources = new List<Source>();
        var publisher = 0;
        while (sources.Count < RegularSources)
        {
            var (accuracy, poor) = DrawAccuracy();
            var digits = DrawDigits();
            var articles = _random.NextDouble() < 0.08 ? 2 + _random.Next(5) : 1;
            for (var a = 0; a < articles && sources.Count < RegularSources; a++)
            {
                var id = $"src-{sources.Count:D5}";
                sources.Add(new Source(id, articles > 1 ? $"publisher-{publisher}" : id, accuracy, digits, poor));
            }

            publisher++;
        }

        // One publisher states one figure per object, however many of its articles repeat it.
        var publisherValue = new Dictionary<(string Voice, int Object), TrustValue>();
        foreach (var source in sources)
        {
            var count = ClaimCount();
            var chosen = new HashSet<int>();
            for (var i = 0; i < count; i++)
            {
                var o = source.Poor && _random.NextDouble() < 0.6 ? Pick(hard) : Pick(all);
                if (!chosen.Add(o)) continue;
                var key = (source.Voice, o);
                if (!publisherValue.TryGetValue(key, out var value))
                {
                    value = RegularValue(objects[o], source);
                    if (source.Voice != source.Id) publisherValue[key] = value;
                }

                claims.Add(new TrustClaim(NextId(), objects[o].Id, source.Id, source.Voice, value));
            }
        }

        // The bot network scrapes one sloppy original and every bot repeats it verbatim.
        var network = new HashSet<int>();
        while (network.Count < BotNetworkObjects) network.Add(Pick(all));
        foreach (var o in network.Order())
        {
            var truth = objects[o];
            var right = _random.NextDouble() < BotOriginalAccuracy;
            var value = truth.Categorical
                ? Category(right ? truth.Key : (truth.Key + 1 + _random.Next(5)) % 6)
                : Numeric(right ? truth.Value : Wrong(truth.Value), 3);
            var speakers = 0;
            for (var b = 0; b < Bots; b++)
            {
                if (_random.NextDouble() >= BotCoverage) continue;
                speakers++;
                claims.Add(new TrustClaim(NextId(), truth.Id, $"bot-{b}", $"bot-site-{b}", value));
            }

            if (speakers > 0) botTargets.Add(truth.Id);
        }

        // Vandals: a handful of claims each, orders of magnitude off, on popular objects.
        for (var v = 0; v < Vandals; v++)
        {
            var count = 1 + _random.Next(5);
            for (var i = 0; i < count; i++)
            {
                var truth = objects[Pick(all)];
                var value = truth.Categorical
                    ? TrustValue.Category($"spam-{_random.Next(3)}")
                    : Numeric(truth.Value * Math.Pow(10, 3 + (3 * _random.NextDouble())), 2);
                claims.Add(new TrustClaim(NextId(), truth.Id, $"vandal-{v:D3}", $"vandal-{v:D3}", value));
            }
        }

        var groundTruth = objects.ToDictionary(
            o => o.Id,
            o => new GroundTruth(o.Id, o.Categorical ? TrustValue.Category(KeyName(o.Key)) : TrustValue.Numeric(Interval.Point(o.Value)), o.Hard, botTargets.Contains(o.Id)),
            StringComparer.Ordinal);
        var description = string.Create(CultureInfo.InvariantCulture,
            $"{claims.Count:N0} claims, {Objects:N0} objects ({CategoricalShare:P0} categorical, {HardShare:P0} with a stale figure poor sources repeat), " +
            $"{sources.Count:N0} regular sources ({publisher:N0} voices), {Bots} copying bots on {BotNetworkObjects:N0} objects (original right {BotOriginalAccuracy:P0}), {Vandals} vandals; seed {seed}");
        return new QualityDataSet(claims, groundTruth, description);
    }

    private (double Accuracy, bool Poor) DrawAccuracy()
    {
        var tier = _random.NextDouble();
        return tier < 0.55 ? (0.75 + (0.22 * _random.NextDouble()), false)
            : tier < 0.80 ? (0.55 + (0.2 * _random.NextDouble()), false)
            : (0.25 + (0.25 * _random.NextDouble()), true);
    }

    private int DrawDigits()
    {
        var p = _random.NextDouble();
        return p < 0.10 ? 1 : p < 0.40 ? 2 : p < 0.75 ? 3 : 4;
    }

    /// <summary>Pareto-distributed (alpha about 1): most sources make one or two claims, a few make hundreds.</summary>
    private int ClaimCount() => (int)Math.Min(MaxClaimsPerSource, Math.Floor(1 / Math.Pow(1 - _random.NextDouble(), 1 / 0.95)));

    private TrustValue RegularValue(ObjectTruth truth, Source source)
    {
        var right = _random.NextDouble() < source.Accuracy;
        if (truth.Categorical)
        {
            if (right) return Category(truth.Key);
            var staleShare = truth.Hard ? 0.85 : 0.35;
            return Category(_random.NextDouble() < staleShare ? truth.StaleKey : (truth.Key + 1 + _random.Next(5)) % 6);
        }

        if (right)
        {
            // Right, with a little reporting noise: precise sources sometimes miss their own last digit.
            var noise = _random.NextDouble() < 0.3 ? 1 + (0.002 * Gaussian()) : 1;
            return Numeric(truth.Value * noise, source.Digits);
        }

        var kind = _random.NextDouble();
        var stale = truth.Hard ? 0.85 : 0.35;
        var value = kind < stale ? truth.Stale
            : kind < stale + 0.1 ? truth.Value * (1 + (Sign() * (0.003 + (0.02 * _random.NextDouble()))))
            : kind < stale + 0.12 ? truth.Value * (_random.NextDouble() < 0.5 ? 10 : 1000)
            : Wrong(truth.Value);
        return Numeric(value, source.Digits);
    }

    private double Wrong(double truth) => truth * (1 + (Sign() * (0.05 + (0.55 * _random.NextDouble()))));

    /// <summary>A number as a source writes it: rounded to its significant digits, so its interval is ± half the last digit.</summary>
    private static TrustValue Numeric(double value, int digits)
    {
        var magnitude = Math.Floor(Math.Log10(Math.Abs(value)));
        var unit = Math.Pow(10, magnitude - digits + 1);
        var rounded = Math.Round(value / unit) * unit;
        return TrustValue.Numeric(Interval.Closed(rounded - (unit / 2), rounded + (unit / 2)));
    }

    private static TrustValue Category(int key) => TrustValue.Category(KeyName(key));

    private static string KeyName(int key) => $"status-{key}";

    private double Sign() => _random.NextDouble() < 0.5 ? -1 : 1;

    private double Gaussian() =>
        Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());

    private static (int[] Items, double[] Cumulative) Cumulative(IEnumerable<int> items, double[] weight)
    {
        var list = items.ToArray();
        var cumulative = new double[list.Length];
        var total = 0.0;
        for (var i = 0; i < list.Length; i++)
        {
            total += weight[list[i]];
            cumulative[i] = total;
        }

        return (list, cumulative);
    }

    private int Pick((int[] Items, double[] Cumulative) table)
    {
        var x = _random.NextDouble() * table.Cumulative[^1];
        var i = Array.BinarySearch(table.Cumulative, x);
        return table.Items[Math.Min(table.Items.Length - 1, i < 0 ? ~i : i)];
    }
}
