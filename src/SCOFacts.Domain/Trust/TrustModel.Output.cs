namespace SCOFacts.Domain.Trust;

internal sealed partial class TrustModel
{
    public TrustEstimate ToEstimate(double[] reliability, int iterations, bool converged)
    {
        // Score once more so claims and verdicts reflect the final reliabilities exactly.
        ScoreClaims(reliability);

        var sources = new SourceTrust[_sourceIds.Length];
        for (var s = 0; s < sources.Length; s++)
        {
            var origin = (_support[s] > 0, _rated[s]) switch
            {
                (true, true) => TrustOrigin.LearnedWithEditorPrior,
                (true, false) => TrustOrigin.Learned,
                (false, true) => TrustOrigin.EditorPrior,
                _ => TrustOrigin.Default,
            };
            sources[s] = new SourceTrust(_sourceIds[s], reliability[s], _support[s], origin, _copyGroup[s]);
        }

        var claims = new ClaimTrust[_claims.Length];
        for (var c = 0; c < claims.Length; c++)
        {
            var claim = _claims[c];
            claims[c] = new ClaimTrust(claim.ClaimId, claim.ObjectId, claim.SourceId, _claimProbability[c], _claimInformative[c] ? _claimEvidence[c] : null);
        }

        var objects = new ObjectVerdict[_objectIds.Length];
        for (var o = 0; o < objects.Length; o++)
        {
            objects[o] = Verdict(o);
        }

        return new TrustEstimate(sources, claims, objects, iterations, converged, _options.DefaultReliability);
    }

    /// <summary>
    /// The best-supported candidate decides; the verdict names a claimed value containing it, so
    /// the answer is always something a source actually said: the narrowest one that the other
    /// voices back (corroboration at least <see cref="TrustOptions.VerdictCorroboration"/>), or
    /// failing that the best-backed one. A precise figure nested inside others' rounder figures is
    /// not confirmed by them, and taking it on its own word is how one noisy digit wins.
    /// </summary>
    private ObjectVerdict Verdict(int o)
    {
        var claimCount = _objectStart[o + 1] - _objectStart[o];
        var first = _candidateStart[o];
        var last = _candidateStart[o + 1];
        if (first == last)
        {
            return new ObjectVerdict(_objectIds[o], null, 0, 0, claimCount);
        }

        var best = first;
        for (var k = first + 1; k < last; k++)
        {
            if (_candidateScore[k] > _candidateScore[best]) best = k;
        }

        TrustValue winner;
        if (_candidateKeyValue[best] >= 0)
        {
            winner = _values[_candidateKeyValue[best]];
        }
        else
        {
            var point = _candidatePoint[best];
            var corroboration = Corroboration(o);
            var narrowest = -1;
            for (var v = _valueStart[o]; v < _valueStart[o + 1]; v++)
            {
                var value = _values[v];
                if (value.IsCategorical || !value.Interval.Contains(point)) continue;
                if (narrowest < 0 || IsBetterVerdict(v, narrowest, corroboration)) narrowest = v;
            }

            winner = _values[narrowest];
        }

        var confidence = 0.0;
        for (var k = first; k < last; k++)
        {
            var inside = _candidateKeyValue[k] >= 0
                ? _values[_candidateKeyValue[k]] == winner
                : !winner.IsCategorical && winner.Interval.Contains(_candidatePoint[k]);
            if (inside) confidence += _candidateProbability[k];
        }

        var supporting = 0;
        for (var i = _objectStart[o]; i < _objectStart[o + 1]; i++)
        {
            var c = _objectClaims[i];
            if (_claimActive[c] && _claims[c].Value.IsCompatibleWith(winner)) supporting++;
        }

        // The softmax over claimed candidates leaves out values nobody claimed; each scores 0 (no vote for it).
        var top = double.NegativeInfinity;
        for (var k = first; k < last; k++) top = Math.Max(top, _candidateScore[k]);
        var claimedMass = 0.0;
        for (var k = first; k < last; k++) claimedMass += Math.Exp(_candidateScore[k] - top);
        var unclaimedMass = Math.Max(0, _options.FalseValueCount - (last - first)) * Math.Exp(-top);
        var posterior = confidence * claimedMass / (claimedMass + unclaimedMass);

        return new ObjectVerdict(_objectIds[o], winner, Math.Min(1, confidence), supporting, claimCount, Math.Min(1, posterior));
    }

    /// <summary>
    /// Per distinct value of the object, the most any of its claims is backed by the other voices:
    /// their probability that the truth lies inside it (near-miss credit does not count here).
    /// </summary>
    private Dictionary<int, double> Corroboration(int o)
    {
        var corroboration = new Dictionary<int, double>();
        for (var i = _objectStart[o]; i < _objectStart[o + 1]; i++)
        {
            var c = _objectClaims[i];
            if (!_claimActive[c]) continue;
            var evidence = _claimInformative[c] ? _claimBacking[c] : 0;
            corroboration[_claimValue[c]] = Math.Max(corroboration.GetValueOrDefault(_claimValue[c]), evidence);
        }

        return corroboration;
    }

    private bool IsBetterVerdict(int candidate, int current, Dictionary<int, double> corroboration)
    {
        var threshold = _options.VerdictCorroboration;
        var a = corroboration.GetValueOrDefault(candidate);
        var b = corroboration.GetValueOrDefault(current);
        var aBacked = a >= threshold;
        var bBacked = b >= threshold;
        if (aBacked != bBacked) return aBacked;
        var aWidth = _values[candidate].Interval.Width;
        var bWidth = _values[current].Interval.Width;
        if (aBacked) return aWidth < bWidth;
        return a > b || (a == b && aWidth < bWidth);
    }
}
