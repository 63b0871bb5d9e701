using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Trust;

internal sealed partial class TrustModel
{
    /// <summary>Credits below this are dropped: they could not change any outcome and would only cost time.</summary>
    private const double MinCredit = 1e-4;

    /// <summary>Near misses count only within this many decay scales (credit above about 5 % of the full near-miss credit).</summary>
    private const double NearMissReach = 3;

    /// <summary>
    /// Above this many distinct numeric values on one object, near-miss credit is skipped: the
    /// values then already corroborate each other by overlap, and credit from every value to every
    /// point would make the object cost quadratic time in every round.
    /// </summary>
    private const int NearMissValueLimit = 200;

    public static TrustModel Build(IEnumerable<TrustClaim> claims, IEnumerable<SourcePrior> priors, TrustOptions options)
    {
        var sorted = claims.ToArray();
        foreach (var claim in sorted)
        {
            ArgumentNullException.ThrowIfNull(claim);
            ArgumentNullException.ThrowIfNull(claim.ClaimId);
            ArgumentNullException.ThrowIfNull(claim.ObjectId);
            ArgumentNullException.ThrowIfNull(claim.SourceId);
            ArgumentNullException.ThrowIfNull(claim.Voice);
        }

        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.ClaimId, b.ClaimId));
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].ClaimId == sorted[i - 1].ClaimId)
            {
                throw new ArgumentException($"Claim id '{sorted[i].ClaimId}' appears more than once.", nameof(claims));
            }
        }

        var priorBySource = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var prior in priors)
        {
            ArgumentNullException.ThrowIfNull(prior);
            if (!(prior.Reliability is >= 0 and <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(priors), $"Rating of '{prior.SourceId}' must be within 0..1.");
            }

            if (!priorBySource.TryAdd(prior.SourceId, prior.Reliability))
            {
                throw new ArgumentException($"Source '{prior.SourceId}' is rated more than once.", nameof(priors));
            }
        }

        return new TrustModel(sorted, priorBySource, options);
    }

    private TrustModel(TrustClaim[] claims, Dictionary<string, double> priorBySource, TrustOptions options)
    {
        _options = options;
        _claims = claims;
        var n = claims.Length;

        // Rated sources with no claims still appear in the estimate: their rating stands.
        var sourceIds = Distinct(claims.Select(c => c.SourceId).Concat(priorBySource.Keys));
        var sourceIndex = IndexOf(sourceIds);
        var objectIds = Distinct(claims.Select(c => c.ObjectId));
        var objectIndex = IndexOf(objectIds);
        var voiceIndex = IndexOf(Distinct(claims.Select(c => c.Voice)));
        _voiceCount = voiceIndex.Count;

        _sourceIds = sourceIds;
        _objectIds = objectIds;
        _claimSource = new int[n];
        _claimObject = new int[n];
        _claimDeclaredVoice = new int[n];
        _claimVoice = new int[n];
        _claimActive = new bool[n];
        _claimValue = new int[n];
        _claimVoiceShare = new int[n];
        _claimInformative = new bool[n];
        _voiceOrder = new int[n];

        var sourceCount = sourceIds.Length;
        _priorMean = new double[sourceCount];
        _priorStrength = new double[sourceCount];
        _rated = new bool[sourceCount];
        _support = new int[sourceCount];
        _evidence = new double[sourceCount];
        _copyGroup = new string?[sourceCount];
        for (var s = 0; s < sourceCount; s++)
        {
            _rated[s] = priorBySource.TryGetValue(sourceIds[s], out var rating);
            _priorMean[s] = _rated[s] ? rating : options.DefaultReliability;
            _priorStrength[s] = _rated[s] ? options.EditorPriorStrength : options.DefaultPriorStrength;
        }

        var objectCount = objectIds.Length;
        _objectStart = new int[objectCount + 1];
        for (var c = 0; c < n; c++)
        {
            var claim = claims[c];
            _claimSource[c] = sourceIndex[claim.SourceId];
            _claimObject[c] = objectIndex[claim.ObjectId];
            _claimDeclaredVoice[c] = _claimVoice[c] = voiceIndex[claim.Voice];
            _claimActive[c] = !claim.UpheldDisputeAgainst;
            _objectStart[_claimObject[c] + 1]++;
            _support[_claimSource[c]]++;
        }

        for (var o = 0; o < objectCount; o++)
        {
            _objectStart[o + 1] += _objectStart[o];
        }

        // Counting sort keeps each object's claims in claim-id order.
        _objectClaims = new int[n];
        var fill = (int[])_objectStart.Clone();
        for (var c = 0; c < n; c++)
        {
            _objectClaims[fill[_claimObject[c]]++] = c;
        }

        var values = new List<TrustValue>(n);
        var candidatePoints = new List<double>(n * 2);
        var candidateKeys = new List<int>(n * 2);
        var entryClaims = new List<int>(n * 3);
        var entryCredits = new List<double>(n * 3);
        var entryStarts = new List<int>(n * 2) { 0 };
        _valueStart = new int[objectCount + 1];
        _candidateStart = new int[objectCount + 1];
        for (var o = 0; o < objectCount; o++)
        {
            IndexValues(o, values);
            _valueStart[o + 1] = values.Count;
            BuildCandidates(o, values, candidatePoints, candidateKeys, entryClaims, entryCredits, entryStarts);
            _candidateStart[o + 1] = candidatePoints.Count;
        }

        _values = [.. values];
        _candidatePoint = [.. candidatePoints];
        _candidateKeyValue = [.. candidateKeys];
        _entryStart = [.. entryStarts];
        _entryClaim = [.. entryClaims];
        _entryCredit = [.. entryCredits];

        // Transpose the candidate credits so each claim finds its own.
        _claimEntryStart = new int[n + 1];
        foreach (var c in _entryClaim) _claimEntryStart[c + 1]++;
        for (var c = 0; c < n; c++) _claimEntryStart[c + 1] += _claimEntryStart[c];
        _claimEntryCandidate = new int[_entryClaim.Length];
        _claimEntryCredit = new double[_entryClaim.Length];
        var next = (int[])_claimEntryStart.Clone();
        for (var k = 0; k < _candidatePoint.Length; k++)
        {
            for (var e = _entryStart[k]; e < _entryStart[k + 1]; e++)
            {
                var slot = next[_entryClaim[e]]++;
                _claimEntryCandidate[slot] = k;
                _claimEntryCredit[slot] = _entryCredit[e];
            }
        }

        _claimWeight = new double[n];
        _claimProbability = new double[n];
        _claimEvidence = new double[n];
        _claimBacking = new double[n];
        _candidateDelta = new double[_candidatePoint.Length];
        _candidateFactor = new double[_candidatePoint.Length];
        _candidateMark = new int[_candidatePoint.Length];
        _candidateScore = new double[_candidatePoint.Length];
        _candidateProbability = new double[_candidatePoint.Length];
        _sourceSum = new double[sourceCount];
        ComputeVoices();
    }

    /// <summary>Distinct exact values of the object's active claims, sorted, and each claim's index among them.</summary>
    private void IndexValues(int o, List<TrustValue> values)
    {
        var first = values.Count;
        var active = new List<TrustValue>();
        for (var i = _objectStart[o]; i < _objectStart[o + 1]; i++)
        {
            var c = _objectClaims[i];
            if (_claimActive[c])
            {
                active.Add(_claims[c].Value);
            }
        }

        active.Sort();
        foreach (var value in active)
        {
            if (values.Count == first || values[^1] != value)
            {
                values.Add(value);
            }
        }

        var count = values.Count - first;
        for (var i = _objectStart[o]; i < _objectStart[o + 1]; i++)
        {
            var c = _objectClaims[i];
            _claimValue[c] = _claimActive[c]
                ? values.BinarySearch(first, count, _claims[c].Value, Comparer<TrustValue>.Default)
                : -1;
        }
    }

    /// <summary>
    /// The candidate truths of one object. For numbers: one point inside each elementary segment
    /// between consecutive interval ends (and each point value), kept only when some claim
    /// contains it; every numeric claim lends it full credit if it contains the point, and
    /// decaying partial credit if it just misses. For keys: each distinct key.
    /// </summary>
    private void BuildCandidates(
        int o, List<TrustValue> values, List<double> points, List<int> keys,
        List<int> entryClaims, List<double> entryCredits, List<int> entryStarts)
    {
        var first = _valueStart[o];
        var last = _valueStart[o + 1];
        var ends = new List<double>();
        var pointValues = new List<double>();
        bool unboundedBelow = false, unboundedAbove = false, anyNumeric = false;
        for (var v = first; v < last; v++)
        {
            var value = values[v];
            if (value.IsCategorical) continue;
            anyNumeric = true;
            var interval = value.Interval;
            if (double.IsFinite(interval.Lower)) ends.Add(interval.Lower); else unboundedBelow = true;
            if (double.IsFinite(interval.Upper)) ends.Add(interval.Upper); else unboundedAbove = true;
            if (interval.IsPoint()) pointValues.Add(interval.Lower);
        }

        if (anyNumeric)
        {
            ends.Sort();
            var distinctEnds = new List<double>(ends.Count);
            foreach (var e in ends)
            {
                if (distinctEnds.Count == 0 || distinctEnds[^1] != e) distinctEnds.Add(e);
            }

            var trial = new List<double>(distinctEnds.Count * 2 + 2);
            if (distinctEnds.Count == 0)
            {
                trial.Add(0);
            }
            else
            {
                if (unboundedBelow) trial.Add(distinctEnds[0] - Math.Max(1, Math.Abs(distinctEnds[0])));
                for (var i = 0; i < distinctEnds.Count; i++)
                {
                    if (pointValues.Contains(distinctEnds[i])) trial.Add(distinctEnds[i]);
                    if (i + 1 < distinctEnds.Count) trial.Add(distinctEnds[i] + ((distinctEnds[i + 1] - distinctEnds[i]) / 2));
                }

                if (unboundedAbove) trial.Add(distinctEnds[^1] + Math.Max(1, Math.Abs(distinctEnds[^1])));
            }

            var nearMiss = ends.Count <= 2 * NearMissValueLimit;
            var credit = new double[last - first];
            foreach (var point in trial)
            {
                var covered = false;
                for (var v = first; v < last; v++)
                {
                    var value = values[v];
                    credit[v - first] = value.IsCategorical ? 0 : Credit(value.Interval, point, nearMiss);
                    covered |= credit[v - first] == 1;
                }

                if (!covered) continue;
                points.Add(point);
                keys.Add(-1);
                AddEntries(o, first, credit, entryClaims, entryCredits);
                entryStarts.Add(entryClaims.Count);
            }
        }

        for (var v = first; v < last; v++)
        {
            if (!values[v].IsCategorical) continue;
            var credit = new double[last - first];
            credit[v - first] = 1;
            points.Add(double.NaN);
            keys.Add(v);
            AddEntries(o, first, credit, entryClaims, entryCredits);
            entryStarts.Add(entryClaims.Count);
        }
    }

    private void AddEntries(int o, int firstValue, double[] creditByValue, List<int> entryClaims, List<double> entryCredits)
    {
        for (var i = _objectStart[o]; i < _objectStart[o + 1]; i++)
        {
            var c = _objectClaims[i];
            if (!_claimActive[c]) continue;
            var credit = creditByValue[_claimValue[c] - firstValue];
            if (credit < MinCredit) continue;
            entryClaims.Add(c);
            entryCredits.Add(credit);
        }
    }

    /// <summary>1 when the interval contains the point; otherwise near-miss credit decaying with relative distance.</summary>
    private double Credit(Interval interval, double point, bool nearMiss)
    {
        if (interval.Contains(point)) return 1;
        if (!nearMiss || _options.NearMissCredit <= 0) return 0;
        var scale = _options.NearMissScale * Math.Abs(point);
        var distance = interval.DistanceTo(point);
        if (!(scale > 0) || distance > NearMissReach * scale) return 0;
        var credit = _options.NearMissCredit * Math.Exp(-distance / scale);
        return credit >= MinCredit ? credit : 0;
    }

    /// <summary>
    /// Derives everything that depends on who counts as one voice: how a voice's weight is
    /// shared on each object, the claims grouped by voice, which claims are informative about
    /// their source (another voice spoke on the object) and so how much evidence each source has.
    /// </summary>
    private void ComputeVoices()
    {
        var counts = new Dictionary<int, int>();
        for (var o = 0; o < _objectIds.Length; o++)
        {
            counts.Clear();
            for (var i = _objectStart[o]; i < _objectStart[o + 1]; i++)
            {
                var c = _objectClaims[i];
                if (_claimActive[c]) counts[_claimVoice[c]] = counts.GetValueOrDefault(_claimVoice[c]) + 1;
            }

            for (var i = _objectStart[o]; i < _objectStart[o + 1]; i++)
            {
                var c = _objectClaims[i];
                _claimVoiceShare[c] = _claimActive[c] ? counts[_claimVoice[c]] : 0;
                _claimInformative[c] = _claimActive[c] && counts.Count > 1;
                _voiceOrder[i] = c;
            }

            Array.Sort(_voiceOrder, _objectStart[o], _objectStart[o + 1] - _objectStart[o],
                Comparer<int>.Create((a, b) =>
                    _claimActive[a] != _claimActive[b] ? (_claimActive[a] ? -1 : 1)
                    : _claimVoice[a] != _claimVoice[b] ? _claimVoice[a].CompareTo(_claimVoice[b])
                    : a.CompareTo(b)));
        }

        Array.Clear(_evidence);
        for (var c = 0; c < _claims.Length; c++)
        {
            _evidence[_claimSource[c]] += !_claimActive[c] ? _options.UpheldDisputeWeight : _claimInformative[c] ? 1 : 0;
        }
    }

    private static string[] Distinct(IEnumerable<string> ids)
    {
        var array = ids.Distinct(StringComparer.Ordinal).ToArray();
        Array.Sort(array, StringComparer.Ordinal);
        return array;
    }

    private static Dictionary<string, int> IndexOf(string[] sorted)
    {
        var index = new Dictionary<string, int>(sorted.Length, StringComparer.Ordinal);
        for (var i = 0; i < sorted.Length; i++) index[sorted[i]] = i;
        return index;
    }
}
