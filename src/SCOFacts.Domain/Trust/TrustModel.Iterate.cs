namespace SCOFacts.Domain.Trust;

internal sealed partial class TrustModel
{
    /// <summary>Accuracies are kept off 0 and 1 so that no single source's vote becomes infinite.</summary>
    private const double MinAccuracy = 0.01;
    private const double MaxAccuracy = 0.99;

    /// <summary>
    /// Alternates the two halves of the estimate until reliabilities stop moving:
    /// claims are scored from their sources' reliabilities, then reliabilities from their claims' scores.
    /// </summary>
    public (int Iterations, bool Converged) Iterate(double[] reliability, int maxIterations)
    {
        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            ScoreClaims(reliability);
            if (UpdateReliabilities(reliability) <= _options.Tolerance)
            {
                return (iteration, true);
            }
        }

        ScoreClaims(reliability);
        return (maxIterations, false);
    }

    /// <summary>
    /// A source of accuracy a votes ln(N·a/(1−a)) for every candidate its claim covers (the
    /// accuracy-vote weight: the log-odds that a value it states is right rather than one of N
    /// plausible false values), shared among the claims its voice makes on the object. Within an
    /// object the candidates' probabilities are the softmax of their summed votes, and a claim's
    /// probability of being right is the credit-weighted probability of the candidates it covers.
    /// </summary>
    private void ScoreClaims(double[] reliability)
    {
        var n = _claims.Length;
        var falseValues = _options.FalseValueCount;
        for (var c = 0; c < n; c++)
        {
            _claimProbability[c] = 0;
            if (!_claimActive[c])
            {
                _claimWeight[c] = 0;
                continue;
            }

            var a = Math.Clamp(reliability[_claimSource[c]], MinAccuracy, MaxAccuracy);
            _claimWeight[c] = Math.Max(0, Math.Log(falseValues * a / (1 - a))) / _claimVoiceShare[c];
        }

        for (var o = 0; o < _objectIds.Length; o++)
        {
            var first = _candidateStart[o];
            var last = _candidateStart[o + 1];
            if (first == last) continue;

            var best = double.NegativeInfinity;
            for (var k = first; k < last; k++)
            {
                var score = 0.0;
                for (var e = _entryStart[k]; e < _entryStart[k + 1]; e++)
                {
                    score += _claimWeight[_entryClaim[e]] * _entryCredit[e];
                }

                _candidateScore[k] = score;
                best = Math.Max(best, score);
            }

            var total = 0.0;
            for (var k = first; k < last; k++)
            {
                _candidateProbability[k] = Math.Exp(_candidateScore[k] - best);
                total += _candidateProbability[k];
            }

            for (var k = first; k < last; k++)
            {
                var p = _candidateProbability[k] /= total;
                for (var e = _entryStart[k]; e < _entryStart[k + 1]; e++)
                {
                    _claimProbability[_entryClaim[e]] += p * _entryCredit[e];
                }
            }

            ScoreWithoutEachVoice(o);
        }

        for (var c = 0; c < n; c++)
        {
            _claimProbability[c] = Math.Min(1, _claimProbability[c]);
        }
    }

    /// <summary>
    /// What the other voices on the object say about each claim: the same softmax with the
    /// claim's own voice left out. This, not the claim's own probability, is the evidence about
    /// its source, so a source never vouches for itself, nor a publisher or copy group for its members.
    /// </summary>
    /// <remarks>
    /// Leaving a voice out only rescales the candidates it touched (by e^−δ, δ its vote there), so
    /// the left-out probabilities follow from the full ones in time proportional to the voice's
    /// own credits, not to the object's size. When the voice held nearly all the mass that shortcut
    /// would cancel catastrophically, and the softmax is recomputed instead.
    /// </remarks>
    private void ScoreWithoutEachVoice(int o)
    {
        var i = _objectStart[o];
        var end = _objectStart[o + 1];
        while (i < end && _claimActive[_voiceOrder[i]])
        {
            var voice = _claimVoice[_voiceOrder[i]];
            var groupEnd = i;
            while (groupEnd < end && _claimActive[_voiceOrder[groupEnd]] && _claimVoice[_voiceOrder[groupEnd]] == voice) groupEnd++;
            if (!_claimInformative[_voiceOrder[i]])
            {
                for (var j = i; j < groupEnd; j++) _claimEvidence[_voiceOrder[j]] = _claimBacking[_voiceOrder[j]] = 0;
                i = groupEnd;
                continue;
            }

            _touched.Clear();
            for (var j = i; j < groupEnd; j++)
            {
                var c = _voiceOrder[j];
                for (var e = _claimEntryStart[c]; e < _claimEntryStart[c + 1]; e++)
                {
                    var k = _claimEntryCandidate[e];
                    if (_candidateMark[k] != _markStamp)
                    {
                        _candidateMark[k] = _markStamp;
                        _touched.Add(k);
                    }

                    _candidateDelta[k] += _claimWeight[c] * _claimEntryCredit[e];
                }
            }

            var removed = 0.0;
            foreach (var k in _touched)
            {
                _candidateFactor[k] = Math.Exp(-_candidateDelta[k]);
                removed += _candidateProbability[k] * (1 - _candidateFactor[k]);
            }

            var remaining = 1 - removed;
            if (remaining > 1e-6)
            {
                for (var j = i; j < groupEnd; j++)
                {
                    var c = _voiceOrder[j];
                    double p = 0, inside = 0;
                    for (var e = _claimEntryStart[c]; e < _claimEntryStart[c + 1]; e++)
                    {
                        var k = _claimEntryCandidate[e];
                        var pk = _candidateProbability[k] * _candidateFactor[k] / remaining;
                        p += pk * _claimEntryCredit[e];
                        if (_claimEntryCredit[e] == 1) inside += pk;
                    }

                    _claimEvidence[c] = Math.Min(1, p);
                    _claimBacking[c] = Math.Min(1, inside);
                }
            }
            else
            {
                RescoreWithout(o, i, groupEnd);
            }

            foreach (var k in _touched) _candidateDelta[k] = 0;
            _markStamp++;
            i = groupEnd;
        }
    }

    /// <summary>The left-out softmax recomputed over the whole object, for a voice that dominated it.</summary>
    private void RescoreWithout(int o, int from, int to)
    {
        var first = _candidateStart[o];
        var last = _candidateStart[o + 1];
        var best = double.NegativeInfinity;
        for (var k = first; k < last; k++) best = Math.Max(best, _candidateScore[k] - _candidateDelta[k]);
        var total = 0.0;
        for (var k = first; k < last; k++) total += Math.Exp(_candidateScore[k] - _candidateDelta[k] - best);

        for (var j = from; j < to; j++)
        {
            var c = _voiceOrder[j];
            double p = 0, inside = 0;
            for (var e = _claimEntryStart[c]; e < _claimEntryStart[c + 1]; e++)
            {
                var k = _claimEntryCandidate[e];
                var pk = Math.Exp(_candidateScore[k] - _candidateDelta[k] - best) / total;
                p += pk * _claimEntryCredit[e];
                if (_claimEntryCredit[e] == 1) inside += pk;
            }

            _claimEvidence[c] = Math.Min(1, p);
            _claimBacking[c] = Math.Min(1, inside);
        }
    }

    /// <summary>
    /// A source's reliability is the posterior mean of its accuracy: its prior (the editor's
    /// rating, strong; or the default, weak) counted as that many claims, plus what the other
    /// voices say of each of its claims on objects where another voice spoke (a claim alone on
    /// its object proves nothing), with each claim lost to an upheld dispute counted as wrong.
    /// </summary>
    private double UpdateReliabilities(double[] reliability)
    {
        Array.Clear(_sourceSum);
        for (var c = 0; c < _claims.Length; c++)
        {
            if (_claimInformative[c]) _sourceSum[_claimSource[c]] += _claimEvidence[c];
        }

        var moved = 0.0;
        for (var s = 0; s < _sourceIds.Length; s++)
        {
            var weight = _priorStrength[s] + _evidence[s];
            var next = weight > 0 ? ((_priorStrength[s] * _priorMean[s]) + _sourceSum[s]) / weight : _priorMean[s];
            moved = Math.Max(moved, Math.Abs(next - reliability[s]));
            reliability[s] = next;
        }

        return moved;
    }
}
