using SCOFacts.Domain.Trust;

namespace SCOFacts.Benchmarks.Quality;

/// <summary>
/// The seam between the quality benchmark and whatever picks one value per object from its
/// claims: a majority vote, or the domain's <see cref="ReconcilerResolver"/>.
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
