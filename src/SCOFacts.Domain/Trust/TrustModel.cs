namespace SCOFacts.Domain.Trust;

/// <summary>
/// The claims indexed once into flat arrays (claims sorted by id, grouped by object), so the
/// iteration touches no dictionary and sums every total in one fixed order.
/// </summary>
internal sealed partial class TrustModel
{
    // Claims, sorted by id (ordinal).
    private readonly TrustClaim[] _claims;
    private readonly int[] _claimSource;
    private readonly int[] _claimObject;
    private readonly int[] _claimDeclaredVoice;
    private readonly int[] _claimVoice;
    private readonly bool[] _claimActive;

    /// <summary>Index into <see cref="_values"/> of the claim's exact value; -1 for an inactive claim.</summary>
    private readonly int[] _claimValue;

    /// <summary>Active claims of the same voice on the same object: the voice's weight is shared among them.</summary>
    private readonly int[] _claimVoiceShare;

    /// <summary>Whether another voice also spoke on the claim's object: only then does the claim say anything about its source.</summary>
    private readonly bool[] _claimInformative;

    /// <summary>Each object's active claims grouped by voice (same ranges as <see cref="_objectClaims"/>; inactive ones last).</summary>
    private readonly int[] _voiceOrder;

    // Sources, sorted by id.
    private readonly string[] _sourceIds;
    private readonly double[] _priorMean;
    private readonly double[] _priorStrength;
    private readonly bool[] _rated;
    private readonly int[] _support;
    private readonly double[] _evidence;
    private readonly string?[] _copyGroup;

    // Objects, sorted by id; their claims in _objectClaims[_objectStart[o] .. _objectStart[o + 1]).
    private readonly string[] _objectIds;
    private readonly int[] _objectStart;
    private readonly int[] _objectClaims;

    // Distinct exact values per object, sorted: _values[_valueStart[o] .. _valueStart[o + 1]).
    private readonly int[] _valueStart;
    private readonly TrustValue[] _values;

    // Candidate truths per object: a point (numeric) or a distinct key value (categorical),
    // each with the claims that lend it credit: _entry*[_entryStart[k] .. _entryStart[k + 1]).
    private readonly int[] _candidateStart;
    private readonly double[] _candidatePoint;
    private readonly int[] _candidateKeyValue;
    private readonly int[] _entryStart;
    private readonly int[] _entryClaim;
    private readonly double[] _entryCredit;

    // The same credits by claim: _claimEntry*[_claimEntryStart[c] .. _claimEntryStart[c + 1]).
    private readonly int[] _claimEntryStart;
    private readonly int[] _claimEntryCandidate;
    private readonly double[] _claimEntryCredit;

    private readonly TrustOptions _options;
    private int _voiceCount;

    // Scratch, reused by every iteration.
    private readonly double[] _claimWeight;
    private readonly double[] _claimProbability;
    private readonly double[] _claimEvidence;

    /// <summary>Like <see cref="_claimEvidence"/> but strict: the other voices' probability that the truth lies inside the claim.</summary>
    private readonly double[] _claimBacking;
    private readonly double[] _candidateDelta;
    private readonly double[] _candidateFactor;
    private readonly int[] _candidateMark;
    private readonly List<int> _touched = [];
    private int _markStamp = 1;
    private readonly double[] _candidateScore;
    private readonly double[] _candidateProbability;
    private readonly double[] _sourceSum;

    public int SourceCount => _sourceIds.Length;

    /// <summary>Reliabilities given from outside, one per source in the model's order.</summary>
    public double[] ReliabilitiesFrom(Func<string, double> reliabilityOf)
    {
        var reliability = new double[_sourceIds.Length];
        for (var s = 0; s < reliability.Length; s++) reliability[s] = Math.Clamp(reliabilityOf(_sourceIds[s]), 0, 1);
        return reliability;
    }

    public double[] InitialReliabilities(TrustEstimate? previous)
    {
        var reliability = new double[_sourceIds.Length];
        for (var s = 0; s < reliability.Length; s++)
        {
            var warm = previous?.Source(_sourceIds[s]);
            reliability[s] = warm is null ? _priorMean[s] : Math.Clamp(warm.Reliability, 0, 1);
        }

        return reliability;
    }
}
