namespace SCOFacts.Domain.Trust;

/// <summary>Where a source's reliability comes from.</summary>
public enum TrustOrigin
{
    /// <summary>No claims and no rating: the default reliability.</summary>
    Default,

    /// <summary>No claims; the editor's rating as given.</summary>
    EditorPrior,

    /// <summary>Learned from its claims, starting from the default reliability.</summary>
    Learned,

    /// <summary>Learned from its claims, starting from (and pulled towards) the editor's rating.</summary>
    LearnedWithEditorPrior,
}

/// <param name="SourceId">The source.</param>
/// <param name="Reliability">Estimated probability, 0..1, that a claim of this source is right.</param>
/// <param name="Support">How many claims (including ones lost to upheld disputes) the estimate rests on.</param>
/// <param name="Origin">Whether the estimate is learned, rated, or both.</param>
/// <param name="CopyGroup">When the source was found repeating the same values as others against independent sources,
/// the smallest source id of that group (all of whom then counted as one voice); otherwise null.</param>
public sealed record SourceTrust(string SourceId, double Reliability, int Support, TrustOrigin Origin, string? CopyGroup);

/// <param name="ClaimId">The claim.</param>
/// <param name="ObjectId">What the claim is about.</param>
/// <param name="SourceId">Who made it.</param>
/// <param name="Probability">Estimated probability, 0..1, that the claim is right (0 for a claim lost to an upheld dispute).</param>
/// <param name="Corroboration">The same judged only by the other voices on the object (the evidence used for its
/// source's reliability); null when no other voice spoke, or the claim was lost to an upheld dispute.</param>
public sealed record ClaimTrust(string ClaimId, string ObjectId, string SourceId, double Probability, double? Corroboration);

/// <param name="ObjectId">What was claimed about.</param>
/// <param name="Value">The winning value: the narrowest claimed value that contains the best-supported point (or the best key).</param>
/// <param name="Confidence">Estimated probability that the truth lies within <paramref name="Value"/>.</param>
/// <param name="SupportingClaims">How many active claims are compatible with the winning value.</param>
/// <param name="ClaimCount">How many claims (active or not) were about the object.</param>
/// <param name="Posterior">The same probability when the truth may also be a value nobody claimed (one of
/// <see cref="TrustOptions.FalseValueCount"/> alternatives no claim supports): a lone claim from a source of
/// reliability <c>a</c> then gets about <c>a</c>, not 1. This is what an answer's confidence is built on.</param>
public sealed record ObjectVerdict(string ObjectId, TrustValue? Value, double Confidence, int SupportingClaims, int ClaimCount, double Posterior = 0);

/// <summary>The result of one estimation: every list is sorted by id (ordinal).</summary>
public sealed class TrustEstimate
{
    private readonly Dictionary<string, int> _sourceIndex;
    private readonly Dictionary<string, int> _claimIndex;
    private readonly Dictionary<string, int> _objectIndex;

    internal TrustEstimate(
        SourceTrust[] sources, ClaimTrust[] claims, ObjectVerdict[] objects, int iterations, bool converged, double defaultReliability)
    {
        Sources = sources;
        Claims = claims;
        Objects = objects;
        Iterations = iterations;
        Converged = converged;
        DefaultReliability = defaultReliability;
        _sourceIndex = Index(sources, s => s.SourceId);
        _claimIndex = Index(claims, c => c.ClaimId);
        _objectIndex = Index(objects, o => o.ObjectId);
    }

    public IReadOnlyList<SourceTrust> Sources { get; }

    public IReadOnlyList<ClaimTrust> Claims { get; }

    public IReadOnlyList<ObjectVerdict> Objects { get; }

    /// <summary>Update rounds run in total (over all copy-detection rounds).</summary>
    public int Iterations { get; }

    /// <summary>Whether the last round ended because reliabilities stopped moving, not because of the iteration cap.</summary>
    public bool Converged { get; }

    /// <summary>The reliability given to a source the estimate has never seen.</summary>
    public double DefaultReliability { get; }

    public SourceTrust? Source(string sourceId) => _sourceIndex.TryGetValue(sourceId, out var i) ? Sources[i] : null;

    public ClaimTrust? Claim(string claimId) => _claimIndex.TryGetValue(claimId, out var i) ? Claims[i] : null;

    public ObjectVerdict? Object(string objectId) => _objectIndex.TryGetValue(objectId, out var i) ? Objects[i] : null;

    /// <summary>The estimated reliability, or the default for an unknown source.</summary>
    public double ReliabilityOf(string sourceId) => Source(sourceId)?.Reliability ?? DefaultReliability;

    private static Dictionary<string, int> Index<T>(T[] items, Func<T, string> key)
    {
        var index = new Dictionary<string, int>(items.Length, StringComparer.Ordinal);
        for (var i = 0; i < items.Length; i++)
        {
            index[key(items[i])] = i;
        }

        return index;
    }
}
