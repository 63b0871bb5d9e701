using System.Diagnostics;
using System.Globalization;
using SCOFacts.Domain.Trust;

namespace SCOFacts.Benchmarks.Quality;

/// <summary>
/// How often each way of picking a value gets it right on synthetic data with known truth, and
/// what one full trust estimation costs at that scale. Prints Markdown.
/// </summary>
public static class QualityBenchmark
{
    public static void Run(TextWriter output)
    {
        var generated = Stopwatch.StartNew();
        var data = new QualityDataGenerator().Generate();
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
        var methods = new List<(string Name, Func<string, TrustValue?> Pick)>
        {
            ("Majority vote (most frequent exact value)", o => new MajorityVoteResolver().Resolve(byObject[o], _ => 1)),
            ("Reconciler, all sources weighted equally", o => reconciler.Resolve(byObject[o], _ => 1)),
            ("Learned trust (TrustEstimator verdict)", o => estimate.Object(o)?.Value),
            ("Reconciler weighted by learned reliability (what the API serves)", o => reconciler.Resolve(byObject[o], estimate.ReliabilityOf)),
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
        output.WriteLine("## Trust quality benchmark");
        output.WriteLine();
        output.WriteLine(data.Description + ".");
        output.WriteLine(string.Create(inv, $"Scored on the {contested.Count:N0} objects with at least two distinct claimed values; right = the chosen value contains the truth (numbers) or equals it (keys)."));
        output.WriteLine();
        output.WriteLine("| Method | " + string.Join(" | ", slices.Select(s => string.Create(inv, $"{s.Name} (n={s.Objects.Count:N0})"))) + " | median width / truth (numeric) |");
        output.WriteLine("|---|" + string.Concat(slices.Select(_ => "---:|")) + "---:|");
        foreach (var (name, pick) in methods)
        {
            var cells = slices.Select(s => Accuracy(s.Objects, pick, data.Truth).ToString("P1", inv));
            var width = MedianRelativeWidth(contested, pick, data.Truth).ToString("P2", inv);
            output.WriteLine($"| {name} | {string.Join(" | ", cells)} | {width} |");
        }

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
