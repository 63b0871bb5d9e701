using SCOFacts.Domain.Trust;

namespace SCOFacts.Benchmarks.Quality;

/// <summary>
/// The seam between the quality benchmark and whatever picks one value per object from its
/// claims. The domain's Reconciler plugs in here once it exists (adapting TrustClaim to its
/// claims); until then <see cref="EqualWeightClusterResolver"/> stands in for it.
/// </summary>
public interface IObjectResolver
{
    string Name { get; }

    /// <param name="claims">The active claims about one object, in claim-id order.</param>
    /// <param name="reliabilityOf">Weight of a source's voice: constant 1 for "all sources equal".</param>
    TrustValue? Resolve(IReadOnlyList<TrustClaim> claims, Func<string, double> reliabilityOf);
}

/// <summary>Most frequent exact claimed value; ties go to the lowest value (an arbitrary but fixed order).</summary>
public sealed class MajorityVoteResolver : IObjectResolver
{
    public string Name => "Majority vote (most frequent exact value)";

    public TrustValue? Resolve(IReadOnlyList<TrustClaim> claims, Func<string, double> reliabilityOf)
    {
        if (claims.Count == 0) return null;
        var values = claims.Select(c => c.Value).Order().ToList();
        TrustValue best = values[0];
        int bestCount = 0, i = 0;
        while (i < values.Count)
        {
            var j = i;
            while (j < values.Count && values[j] == values[i]) j++;
            if (j - i > bestCount)
            {
                best = values[i];
                bestCount = j - i;
            }

            i = j;
        }

        return best;
    }
}

/// <summary>
/// A stand-in for the domain's reconciliation: claims are clustered by overlap (chains of
/// overlapping intervals; equal keys), each cluster scored by the summed weight of the distinct
/// voices in it, and the winning cluster reported as the narrowest value consistent with it
/// (the intersection of its intervals, or, when they do not all overlap, the intersection of
/// those covering its most-supported point).
/// </summary>
public sealed class EqualWeightClusterResolver : IObjectResolver
{
    public string Name => "Cluster reconciliation, sources equal";

    public TrustValue? Resolve(IReadOnlyList<TrustClaim> claims, Func<string, double> reliabilityOf)
    {
        if (claims.Count == 0) return null;
        var clusters = new List<List<TrustClaim>>();
        foreach (var group in claims.Where(c => c.Value.IsCategorical).GroupBy(c => c.Value.Key, StringComparer.Ordinal))
        {
            clusters.Add([.. group]);
        }

        var numeric = claims.Where(c => !c.Value.IsCategorical).OrderBy(c => c.Value).ToList();
        List<TrustClaim>? current = null;
        var reach = double.NegativeInfinity;
        foreach (var claim in numeric)
        {
            var interval = claim.Value.Interval;
            if (current is null || interval.Lower > reach)
            {
                current = [];
                clusters.Add(current);
                reach = interval.Upper;
            }
            else
            {
                reach = Math.Max(reach, interval.Upper);
            }

            current.Add(claim);
        }

        List<TrustClaim>? winner = null;
        var winnerScore = double.NegativeInfinity;
        foreach (var cluster in clusters)
        {
            var score = VoiceWeight(cluster, reliabilityOf);
            if (score > winnerScore)
            {
                winner = cluster;
                winnerScore = score;
            }
        }

        return winner is null ? null : Narrowest(winner, reliabilityOf);
    }

    private static double VoiceWeight(IEnumerable<TrustClaim> claims, Func<string, double> reliabilityOf) =>
        claims.GroupBy(c => c.Voice, StringComparer.Ordinal).Sum(v => v.Max(c => reliabilityOf(c.SourceId)));

    private static TrustValue Narrowest(List<TrustClaim> cluster, Func<string, double> reliabilityOf)
    {
        if (cluster[0].Value.IsCategorical) return cluster[0].Value;
        var all = cluster.Select(c => c.Value.Interval).Aggregate((a, b) => a.Intersect(b));
        if (!all.IsEmpty) return TrustValue.Numeric(all);

        // Not all overlap (a chain): take the point most voices cover, and what covers it.
        var best = double.NaN;
        var bestWeight = double.NegativeInfinity;
        var ends = cluster.SelectMany(c => new[] { c.Value.Interval.Lower, c.Value.Interval.Upper })
            .Where(double.IsFinite).Distinct().Order().ToList();
        var points = ends.Zip(ends.Skip(1), (a, b) => a + ((b - a) / 2)).Concat(ends);
        foreach (var p in points)
        {
            var weight = VoiceWeight(cluster.Where(c => c.Value.Interval.Contains(p)), reliabilityOf);
            if (weight > bestWeight)
            {
                best = p;
                bestWeight = weight;
            }
        }

        var covering = cluster.Where(c => c.Value.Interval.Contains(best)).Select(c => c.Value.Interval).Aggregate((a, b) => a.Intersect(b));
        return TrustValue.Numeric(covering);
    }
}
