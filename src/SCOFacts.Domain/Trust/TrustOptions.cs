namespace SCOFacts.Domain.Trust;

/// <summary>Knobs of <see cref="TrustEstimator"/>. The defaults are the ones the quality benchmark was measured with.</summary>
public sealed record TrustOptions
{
    public static TrustOptions Default { get; } = new();

    /// <summary>Upper bound on source/claim update rounds, summed over all copy-detection rounds.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>Stop when no source reliability moved more than this in one round.</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>Reliability assumed for a source nobody rated, before evidence.</summary>
    public double DefaultReliability { get; init; } = 0.7;

    /// <summary>How many claims' worth of evidence the default reliability is worth: weak, so a track record quickly dominates.</summary>
    public double DefaultPriorStrength { get; init; } = 2;

    /// <summary>How many claims' worth of evidence an editor's rating is worth: strong, yet a long contrary record still moves it.</summary>
    public double EditorPriorStrength { get; init; } = 10;

    /// <summary>How many claims' worth of "wrong" an upheld dispute against a source's claim counts as.</summary>
    public double UpheldDisputeWeight { get; init; } = 1;

    /// <summary>
    /// The number of plausible false values per object (N in the accuracy-vote weight
    /// ln(N·a/(1−a))): larger means agreeing with a reliable source counts for more.
    /// </summary>
    public double FalseValueCount { get; init; } = 10;

    /// <summary>Credit, 0..1, that a numeric claim lends to a value it just misses (decays with relative distance).</summary>
    public double NearMissCredit { get; init; } = 0.5;

    /// <summary>Relative distance (of the value's magnitude) over which near-miss credit decays by a factor e.</summary>
    public double NearMissScale { get; init; } = 0.02;

    /// <summary>
    /// A numeric verdict is the narrowest claimed value containing the best-supported point among
    /// those the other voices back with at least this probability: the probability they give to the
    /// truth lying inside it.
    /// </summary>
    public double VerdictCorroboration { get; init; } = 0.5;

    /// <summary>Whether to look for sources that copy each other and fold each such group into one voice.</summary>
    public bool DetectCopying { get; init; } = true;

    /// <summary>
    /// Whether a warm start also keeps the copy groups the previous estimate found (faster, but a group once
    /// found stays until a cold start). Off, a warm start reuses only the reliabilities as a starting point and
    /// copying is detected afresh, so the estimate no longer depends on the history of estimates.
    /// </summary>
    public bool WarmStartCopyGroups { get; init; } = true;

    /// <summary>Rounds of copy detection, each followed by re-estimation; later rounds see the corrected reliabilities.</summary>
    public int CopyDetectionRounds { get; init; } = 2;

    /// <summary>Pairs of sources are only compared when they claimed about at least this many common objects.</summary>
    public int CopyMinSharedObjects { get; init; } = 5;

    /// <summary>Share of common objects on which a pair must state the identical value to be suspected of copying.</summary>
    public double CopyAgreementThreshold { get; init; } = 0.85;

    /// <summary>
    /// A suspected group is confirmed when, on objects where independent sources also speak,
    /// the group stood together against them at least this often…
    /// </summary>
    public int CopyMinMinorityObjects { get; init; } = 3;

    /// <summary>…and on at least this share of those objects. Independent, accurate sources rarely stand together in the minority.</summary>
    public double CopyMinorityShare { get; init; } = 0.25;

    internal void Validate()
    {
        Check(MaxIterations >= 1, nameof(MaxIterations));
        Check(Tolerance > 0, nameof(Tolerance));
        Check(DefaultReliability is > 0 and < 1, nameof(DefaultReliability));
        Check(VerdictCorroboration is >= 0 and <= 1, nameof(VerdictCorroboration));
        Check(DefaultPriorStrength >= 0, nameof(DefaultPriorStrength));
        Check(EditorPriorStrength >= 0, nameof(EditorPriorStrength));
        Check(UpheldDisputeWeight >= 0, nameof(UpheldDisputeWeight));
        Check(FalseValueCount >= 1, nameof(FalseValueCount));
        Check(NearMissCredit is >= 0 and < 1, nameof(NearMissCredit));
        Check(NearMissScale > 0, nameof(NearMissScale));
        Check(CopyDetectionRounds >= 0, nameof(CopyDetectionRounds));
        Check(CopyMinSharedObjects >= 2, nameof(CopyMinSharedObjects));
        Check(CopyAgreementThreshold is > 0 and <= 1, nameof(CopyAgreementThreshold));
        Check(CopyMinMinorityObjects >= 1, nameof(CopyMinMinorityObjects));
        Check(CopyMinorityShare is > 0 and <= 1, nameof(CopyMinorityShare));

        static void Check(bool ok, string name)
        {
            if (!ok) throw new ArgumentOutOfRangeException(name, $"TrustOptions.{name} is out of range.");
        }
    }
}
