namespace SCOFacts.Domain.Trust;

/// <summary>
/// One active claim as input to trust estimation. <paramref name="ObjectId"/> names what is
/// being claimed about (a fact at one valid time); <paramref name="Voice"/> groups sources that
/// speak as one (the same publisher), so that ten articles from one outlet count once.
/// An upheld dispute makes the claim evidence that its source was wrong; it no longer votes.
/// </summary>
public sealed record TrustClaim(
    string ClaimId,
    string ObjectId,
    string SourceId,
    string Voice,
    TrustValue Value,
    bool UpheldDisputeAgainst = false);

/// <summary>An editor's rating of a source, 0..1: a strong prior for the estimate, not an override.</summary>
public sealed record SourcePrior(string SourceId, double Reliability);
