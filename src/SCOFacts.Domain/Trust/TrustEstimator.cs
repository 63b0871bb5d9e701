namespace SCOFacts.Domain.Trust;

/// <summary>
/// Estimates how reliable each source is and how likely each claim is to be right, from all
/// active claims at once, by iterating between the two (truth discovery in the accuracy-vote
/// family, with interval-aware support, one vote per voice, copy detection and editor priors).
/// Pure and deterministic: the same claims and priors in any order give bit-identical estimates.
/// </summary>
public static class TrustEstimator
{
    /// <param name="claims">Every claim to learn from; upheld-dispute claims count against their source and do not vote.</param>
    /// <param name="priors">Editors' ratings; at most one per source.</param>
    /// <param name="options">Null for <see cref="TrustOptions.Default"/>.</param>
    /// <param name="previous">A previous estimate to warm-start from: its reliabilities and copy groups are the
    /// starting point (priors stay the editors' ratings), so re-estimating after a few new claims converges in few rounds.</param>
    public static TrustEstimate Estimate(
        IEnumerable<TrustClaim> claims,
        IEnumerable<SourcePrior>? priors = null,
        TrustOptions? options = null,
        TrustEstimate? previous = null)
    {
        ArgumentNullException.ThrowIfNull(claims);
        options ??= TrustOptions.Default;
        options.Validate();

        var model = TrustModel.Build(claims, priors ?? [], options);
        var reliability = model.InitialReliabilities(previous);
        if (options.DetectCopying && options.WarmStartCopyGroups) model.ApplyCopyGroups(previous);

        var (iterations, converged) = model.Iterate(reliability, options.MaxIterations);

        if (options.DetectCopying && model.SourceCount > 1)
        {
            var suspects = model.FindCopySuspects();
            for (var round = 0; round < options.CopyDetectionRounds && suspects.Count > 0; round++)
            {
                if (!model.ConfirmCopyGroups(suspects, reliability))
                {
                    break;
                }

                var (more, done) = model.Iterate(reliability, Math.Max(1, options.MaxIterations - iterations));
                iterations += more;
                converged = done;
            }
        }

        return model.ToEstimate(reliability, iterations, converged);
    }

    /// <summary>
    /// The estimator's pick for each object when the sources' reliabilities are already known: the claims are scored
    /// once with those reliabilities (no learning, no copy detection) and each object gets the verdict an estimate
    /// would give it. This is how one fact is answered with the reliabilities learned over the whole store.
    /// </summary>
    /// <param name="claims">The claims to weigh; a voice counts once per object.</param>
    /// <param name="reliabilityOf">Each source's reliability, 0..1.</param>
    /// <param name="options">Null for <see cref="TrustOptions.Default"/>.</param>
    public static IReadOnlyList<ObjectVerdict> Decide(
        IEnumerable<TrustClaim> claims,
        Func<string, double> reliabilityOf,
        TrustOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(reliabilityOf);
        options ??= TrustOptions.Default;
        options.Validate();
        var model = TrustModel.Build(claims, [], options);
        return model.ToEstimate(model.ReliabilitiesFrom(reliabilityOf), 0, true).Objects;
    }
}
