using System.Diagnostics;
using System.Globalization;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Trust;

namespace SCOFacts.Benchmarks.Quality;

/// <summary>
/// How often each way of picking a value gets it right on synthetic data with known truth, and
/// what one full trust estimation costs at that scale. Prints Markdown.
/// </summary>
public static class QualityBenchmark
{
    /// <summary>The generated data sets, of different shapes, so that no method is tuned to one of them.</summary>
    private static IReadOnlyList<(string Name, QualityDataGenerator Generator)> DataSets() =>
    [
        ("A: bots, stale figures, vandals (the reference shape)", new QualityDataGenerator()),
        ("B: no bots, half categorical, few stale figures", new QualityDataGenerator(seed: 7)
            { Objects = 16_000, RegularSources = 2_500, Bots = 0, CategoricalShare = 0.5, HardShare = 0.05, Vandals = 20 }),
        ("C: many stale figures, a worse bot network, more vandals", new QualityDataGenerator(seed: 11)
            { Objects = 16_000, RegularSources = 2_500, BotNetworkObjects = 1_600, BotOriginalAccuracy = 0.3, HardShare = 0.35, Vandals = 200 }),
    ];

    public static void Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("## Trust quality benchmark");
        var first = true;
        foreach (var (name, generator) in DataSets())
        {
            output.WriteLine();
            output.WriteLine($"### Data set {name}");
            RunOne(output, generator, withCost: first);
            first = false;
        }
    }

    private static void RunOne(TextWriter output, QualityDataGenerator generator, bool withCost)
    {
        var generated = Stopwatch.StartNew();
        var data = generator.Generate();
        generated.Stop();

        var byObject = data.Claims
            .GroupBy(c => c.ObjectId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(c => c.ClaimId, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var contested = byObject
            .Where(g => g.Value.Select(c => c.Value).Distinct().Count() >= 2)
            .Select(g => g.Key)
            .Order(StringComparer.Ordinal)
            .ToList();

        // One full estimation, measured cold (first call, JIT included) and again warm.
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cold = Stopwatch.StartNew();
        var estimate = TrustEstimator.Estimate(data.Claims);
        cold.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var warm = Stopwatch.StartNew();
        var again = TrustEstimator.Estimate(data.Claims.Reverse());
        warm.Stop();
        var incremental = Stopwatch.StartNew();
        var refreshed = TrustEstimator.Estimate(data.Claims, previous: estimate);
        incremental.Stop();
        // As the daemon's trust projection runs it: copy groups are detected afresh rather than carried over.
        var projectionStart = Stopwatch.StartNew();
        var projectionRefresh = TrustEstimator.Estimate(data.Claims, options: new TrustOptions { WarmStartCopyGroups = false }, previous: estimate);
        projectionStart.Stop();
        var projectionDrift = estimate.Sources.Max(s => Math.Abs(s.Reliability - projectionRefresh.ReliabilityOf(s.SourceId)));
        using var process = Process.GetCurrentProcess();
        var peakWorkingSet = process.PeakWorkingSet64;

        var identical = estimate.Objects.SequenceEqual(again.Objects)
            && estimate.Sources.SequenceEqual(again.Sources)
            && estimate.Claims.SequenceEqual(again.Claims);

        var withoutCopying = TrustEstimator.Estimate(data.Claims, options: new TrustOptions { DetectCopying = false });
        var withoutNearMiss = TrustEstimator.Estimate(data.Claims, options: new TrustOptions { NearMissCredit = 0 });
        var narrowest = TrustEstimator.Estimate(data.Claims, options: new TrustOptions { VerdictCorroboration = 0 });

        var reconciler = new ReconcilerResolver();
        // What the API serves: the domain's Reconciler with the reliabilities and copy groups learned over the whole store.
        var served = contested.ToDictionary(o => o, o => ReconcilerResolver.Reconcile(byObject[o], estimate.ReliabilityOf,
            id => estimate.Source(id)?.CopyGroup), StringComparer.Ordinal);
        var methods = new List<(string Name, Func<string, TrustValue?> Pick)>
        {
            ("Majority vote (most frequent exact value)", o => new MajorityVoteResolver().Resolve(byObject[o], _ => 1)),
            ("Reconciler, all sources weighted equally", o => reconciler.Resolve(byObject[o], _ => 1)),
            ("Learned trust (TrustEstimator verdict over the whole store)", o => estimate.Object(o)?.Value),
            ("Reconciler with learned reliabilities (what the API serves)", o => Served(served[o])),
            ("Ablation: learned trust without copy detection", o => withoutCopying.Object(o)?.Value),
            ("Ablation: learned trust without near-miss credit", o => withoutNearMiss.Object(o)?.Value),
            ("Ablation: learned trust, verdict = narrowest value at the best point", o => narrowest.Object(o)?.Value),
        };

        var slices = new List<(string Name, List<string> Objects)>
        {
            ("all contested", contested),
            ("bot-targeted", contested.Where(o => data.Truth[o].BotTarget).ToList()),
            ("stale-figure (hard)", contested.Where(o => data.Truth[o].Hard).ToList()),
            ("other", contested.Where(o => !data.Truth[o].BotTarget && !data.Truth[o].Hard).ToList()),
        };

        var inv = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(data.Description + ".");
        output.WriteLine(string.Create(inv, $"Scored on the {contested.Count:N0} objects with at least two distinct claimed values; right = the chosen value contains the truth (numbers) or equals it (keys)."));
        output.WriteLine();
        output.WriteLine("| Method | " + string.Join(" | ", slices.Select(s => string.Create(inv, $"{s.Name} (n={s.Objects.Count:N0})"))) + " | median width / truth (numeric) |");
        output.WriteLine("|---|" + string.Concat(slices.Select(_ => "---:|")) + "---:|");
        foreach (var (name, pick) in methods)
        {
            var cells = slices.Select(s => s.Objects.Count == 0 ? "-" : Accuracy(s.Objects, pick, data.Truth).ToString("P1", inv));
            var width = MedianRelativeWidth(contested, pick, data.Truth).ToString("P2", inv);
            output.WriteLine($"| {name} | {string.Join(" | ", cells)} | {width} |");
        }

        // Calibration of the served answer: does a confidence of 0.7 mean right 70 % of the time?
        var scored = contested.Where(o => served[o] is not null)
            .Select(o => (Result: served[o]!, Right: Served(served[o]) is { } v && IsRight(v, data.Truth[o].Truth)))
            .ToList();
        var brier = scored.Average(x => Math.Pow(x.Result.Confidence - (x.Right ? 1 : 0), 2));
        var baseRate = scored.Average(x => x.Right ? 1.0 : 0);
        output.WriteLine();
        output.WriteLine(string.Create(inv,
            $"Calibration of the served confidence on the contested objects: Brier score {brier:F3} (always answering the base rate {baseRate:P1} scores {baseRate * (1 - baseRate):F3}; lower is better)."));
        output.WriteLine();
        output.WriteLine("| Served confidence | Answers | Mean confidence | Right |");
        output.WriteLine("|---|---:|---:|---:|");
        for (var bin = 0; bin < 10; bin++)
        {
            var lower = bin / 10.0;
            var inBin = scored.Where(x => x.Result.Confidence >= lower && (x.Result.Confidence < lower + 0.1 || bin == 9)).ToList();
            if (inBin.Count == 0) continue;
            output.WriteLine(string.Create(inv,
                $"| {lower:F1}–{lower + 0.1:F1} | {inBin.Count:N0} | {inBin.Average(x => x.Result.Confidence):F2} | {inBin.Average(x => x.Right ? 1.0 : 0):P1} |"));
        }

        output.WriteLine();
        output.WriteLine("| Served verdict | Answers | Mean confidence | Right |");
        output.WriteLine("|---|---:|---:|---:|");
        foreach (var group in scored.GroupBy(x => x.Result.Verdict).OrderBy(g => g.Key))
        {
            output.WriteLine(string.Create(inv,
                $"| {group.Key} | {group.Count():N0} | {group.Average(x => x.Result.Confidence):F2} | {group.Average(x => x.Right ? 1.0 : 0):P1} |"));
        }

        if (!withCost) return;
        output.WriteLine();
        output.WriteLine("| Cost of one full estimation | Value |");
        output.WriteLine("|---|---:|");
        output.WriteLine(string.Create(inv, $"| Claims / objects / sources | {data.Claims.Count:N0} / {byObject.Count:N0} / {estimate.Sources.Count:N0} |"));
        output.WriteLine(string.Create(inv, $"| Wall time, first call (JIT included) | {cold.Elapsed.TotalMilliseconds:N0} ms |"));
        output.WriteLine(string.Create(inv, $"| Wall time, second call (input reversed) | {warm.Elapsed.TotalMilliseconds:N0} ms |"));
        output.WriteLine(string.Create(inv, $"| Wall time, warm-started from the previous estimate | {incremental.Elapsed.TotalMilliseconds:N0} ms ({refreshed.Iterations} rounds vs {estimate.Iterations}) |"));
        output.WriteLine(string.Create(inv, $"| Wall time, warm-started without carrying copy groups (the trust projection's way) | {projectionStart.Elapsed.TotalMilliseconds:N0} ms ({projectionRefresh.Iterations} rounds); largest reliability difference from cold {projectionDrift:E1} |"));
        output.WriteLine(string.Create(inv, $"| Rounds run / converged | {estimate.Iterations} / {estimate.Converged} |"));
        output.WriteLine(string.Create(inv, $"| Bytes allocated by the first call | {allocated / 1048576.0:N1} MiB |"));
        output.WriteLine(string.Create(inv, $"| Process peak working set (generator and data included) | {peakWorkingSet / 1048576.0:N0} MiB |"));
        output.WriteLine(string.Create(inv, $"| Reversed input gives identical estimate | {(identical ? "yes" : "NO")} |"));
        output.WriteLine(string.Create(inv, $"| Sources flagged as copiers | {string.Join(", ", estimate.Sources.Where(s => s.CopyGroup is not null).Select(s => s.SourceId))} |"));
        output.WriteLine(string.Create(inv, $"| Claims the Reconciler's adapter writes so that they normalise back exactly | {data.Claims.Count(c => ReconcilerResolver.RoundTrips(c.Value)) / (double)data.Claims.Count:P2} |"));
        output.WriteLine(string.Create(inv, $"| Data generation | {generated.Elapsed.TotalMilliseconds:N0} ms |"));
    }

    private static TrustValue? Served(FactReconciliation? result) => result?.Value switch
    {
        { Key: { } key } => TrustValue.Category(key),
        { Interval: { } interval } => TrustValue.Numeric(interval),
        _ => null,
    };

    private static double Accuracy(List<string> objects, Func<string, TrustValue?> pick, IReadOnlyDictionary<string, GroundTruth> truth)
    {
        if (objects.Count == 0) return double.NaN;
        var right = 0;
        foreach (var o in objects)
        {
            var chosen = pick(o);
            if (chosen is { } value && IsRight(value, truth[o].Truth)) right++;
        }

        return (double)right / objects.Count;
    }

    /// <summary>How precise the chosen values are: a method could look accurate by always picking the roundest figure.</summary>
    private static double MedianRelativeWidth(List<string> objects, Func<string, TrustValue?> pick, IReadOnlyDictionary<string, GroundTruth> truth)
    {
        var widths = objects
            .Where(o => !truth[o].Truth.IsCategorical)
            .Select(o => pick(o) is { IsCategorical: false } v ? v.Interval.Width / Math.Abs(truth[o].Truth.Interval.Lower) : double.PositiveInfinity)
            .Order()
            .ToList();
        return widths.Count == 0 ? double.NaN : widths[widths.Count / 2];
    }

    private static bool IsRight(TrustValue chosen, TrustValue truth) =>
        truth.IsCategorical
            ? chosen == truth
            : !chosen.IsCategorical && chosen.Interval.Contains(truth.Interval.Lower);
}
