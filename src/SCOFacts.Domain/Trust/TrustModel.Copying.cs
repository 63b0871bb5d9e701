using System.Runtime.InteropServices;

namespace SCOFacts.Domain.Trust;

internal sealed partial class TrustModel
{
    private int[]? _suspectGroupOf;
    private bool[]? _confirmedGroup;

    /// <summary>
    /// Groups of sources that state the identical exact value on nearly every object they share
    /// (connected components of such pairs). Independent sources disagree often enough, through
    /// different precision alone, that this is rare among them; it says nothing yet about who is
    /// right, which <see cref="ConfirmCopyGroups"/> decides.
    /// </summary>
    public IReadOnlyList<int> FindCopySuspects()
    {
        var min = _options.CopyMinSharedObjects;
        var activeCount = new int[_sourceIds.Length];
        for (var c = 0; c < _claims.Length; c++)
        {
            if (_claimActive[c]) activeCount[_claimSource[c]]++;
        }

        // Shared and agreeing object counts per pair of prolific sources, keyed low * n + high: unlike
        // (low << 32 | high), whose long hash is low ^ high, this key spreads over the hash table.
        long n = _sourceIds.Length;
        var pairs = new Dictionary<long, (int Shared, int Same)>();
        var present = new List<(int Source, int Value, int Voice)>();
        for (var o = 0; o < _objectIds.Length; o++)
        {
            present.Clear();
            for (var i = _objectStart[o]; i < _objectStart[o + 1]; i++)
            {
                var c = _objectClaims[i];
                if (_claimActive[c] && activeCount[_claimSource[c]] >= min)
                {
                    present.Add((_claimSource[c], _claimValue[c], _claimDeclaredVoice[c]));
                }
            }

            if (present.Count < 2) continue;
            present.Sort();
            for (var i = 0; i < present.Count; i++)
            {
                // A source's first (lowest) value on the object stands for it.
                if (i > 0 && present[i - 1].Source == present[i].Source) continue;
                for (var j = i + 1; j < present.Count; j++)
                {
                    if (present[j - 1].Source == present[j].Source || present[i].Voice == present[j].Voice) continue;
                    ref var pair = ref CollectionsMarshal.GetValueRefOrAddDefault(
                        pairs, (present[i].Source * n) + present[j].Source, out _);
                    pair.Shared++;
                    if (present[i].Value == present[j].Value) pair.Same++;
                }
            }
        }

        var parent = new int[_sourceIds.Length];
        for (var s = 0; s < parent.Length; s++) parent[s] = s;
        var linked = false;
        foreach (var (key, (shared, same)) in pairs)
        {
            if (shared < min || same < _options.CopyAgreementThreshold * shared) continue;
            // Union by smaller root: the components (and their roots) do not depend on visiting order.
            var a = Find(parent, (int)(key / n));
            var b = Find(parent, (int)(key % n));
            if (a != b)
            {
                parent[Math.Max(a, b)] = Math.Min(a, b);
                linked = true;
            }
        }

        if (!linked) return [];

        var roots = new List<int>();
        var size = new int[parent.Length];
        for (var s = 0; s < parent.Length; s++) size[Find(parent, s)]++;
        _suspectGroupOf = new int[parent.Length];
        var groupOfRoot = new Dictionary<int, int>();
        for (var s = 0; s < parent.Length; s++)
        {
            var root = Find(parent, s);
            if (size[root] < 2)
            {
                _suspectGroupOf[s] = -1;
                continue;
            }

            if (!groupOfRoot.TryGetValue(root, out var group))
            {
                group = roots.Count;
                groupOfRoot[root] = group;
                roots.Add(root);
            }

            _suspectGroupOf[s] = group;
        }

        _confirmedGroup = new bool[roots.Count];
        return roots;
    }

    /// <summary>
    /// Confirms a suspected group when, on objects where at least two members state the same
    /// value and independent sources also speak, the members stood together against the
    /// independents' (reliability-weighted) majority often enough. Independent accurate sources
    /// rarely share a minority value; copiers of a sloppy original do so all the time. Each
    /// confirmed group then votes as one voice and its members restart from their priors.
    /// Returns whether any group was newly confirmed.
    /// </summary>
    public bool ConfirmCopyGroups(IReadOnlyList<int> suspects, double[] reliability)
    {
        if (_suspectGroupOf is null || _confirmedGroup is null) return false;
        var groups = suspects.Count;
        var checkedObjects = new int[groups];
        var minorityObjects = new int[groups];
        var members = new List<(int Group, int Value, int Source)>();
        for (var o = 0; o < _objectIds.Length; o++)
        {
            members.Clear();
            for (var i = _objectStart[o]; i < _objectStart[o + 1]; i++)
            {
                var c = _objectClaims[i];
                var g = _suspectGroupOf[_claimSource[c]];
                if (_claimActive[c] && g >= 0 && !_confirmedGroup[g]) members.Add((g, _claimValue[c], _claimSource[c]));
            }

            if (members.Count < 2) continue;
            members.Sort();
            var start = 0;
            while (start < members.Count)
            {
                var g = members[start].Group;
                var end = start;
                while (end < members.Count && members[end].Group == g) end++;
                var value = MostSharedValue(members, start, end);
                if (value >= 0)
                {
                    var (agree, total) = IndependentSupport(o, g, _values[value], reliability);
                    if (total > 0)
                    {
                        checkedObjects[g]++;
                        if (agree < total / 2) minorityObjects[g]++;
                    }
                }

                start = end;
            }
        }

        var confirmedAny = false;
        for (var g = 0; g < groups; g++)
        {
            if (_confirmedGroup[g]
                || minorityObjects[g] < _options.CopyMinMinorityObjects
                || minorityObjects[g] < _options.CopyMinorityShare * checkedObjects[g])
            {
                continue;
            }

            _confirmedGroup[g] = true;
            var name = _sourceIds[suspects[g]];
            var fresh = false;
            for (var s = 0; s < _sourceIds.Length; s++)
            {
                if (_suspectGroupOf[s] != g || _copyGroup[s] == name) continue;
                _copyGroup[s] = name;
                reliability[s] = _priorMean[s];
                fresh = true;
            }

            // Already one voice since a warm start from an estimate that found the same group.
            if (!fresh) continue;
            confirmedAny = true;
            var voice = _voiceCount++;

            for (var c = 0; c < _claims.Length; c++)
            {
                if (_suspectGroupOf[_claimSource[c]] == g) _claimVoice[c] = voice;
            }
        }

        if (confirmedAny) ComputeVoices();
        return confirmedAny;
    }

    /// <summary>The value stated by the most distinct members (at least two), lowest on ties; -1 when none is shared.</summary>
    private static int MostSharedValue(List<(int Group, int Value, int Source)> members, int start, int end)
    {
        int best = -1, bestCount = 1;
        var i = start;
        while (i < end)
        {
            var value = members[i].Value;
            var count = 0;
            var lastSource = -1;
            for (; i < end && members[i].Value == value; i++)
            {
                if (members[i].Source != lastSource) count++;
                lastSource = members[i].Source;
            }

            if (count > bestCount)
            {
                best = value;
                bestCount = count;
            }
        }

        return best;
    }

    private (double Agree, double Total) IndependentSupport(int o, int group, TrustValue value, double[] reliability)
    {
        double agree = 0, total = 0;
        for (var i = _objectStart[o]; i < _objectStart[o + 1]; i++)
        {
            var c = _objectClaims[i];
            if (!_claimActive[c] || _suspectGroupOf![_claimSource[c]] == group) continue;
            var weight = reliability[_claimSource[c]] / _claimVoiceShare[c];
            total += weight;
            if (_claims[c].Value.IsCompatibleWith(value)) agree += weight;
        }

        return (agree, total);
    }

    /// <summary>Starts from the copy groups a previous estimate found, so a warm start begins where it ended.</summary>
    public void ApplyCopyGroups(TrustEstimate? previous)
    {
        if (previous is null) return;
        var voiceOfGroup = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var s = 0; s < _sourceIds.Length; s++)
        {
            var group = previous.Source(_sourceIds[s])?.CopyGroup;
            if (group is null) continue;
            _copyGroup[s] = group;
            if (!voiceOfGroup.ContainsKey(group)) voiceOfGroup[group] = _voiceCount++;
        }

        if (voiceOfGroup.Count == 0) return;
        for (var c = 0; c < _claims.Length; c++)
        {
            if (_copyGroup[_claimSource[c]] is { } group) _claimVoice[c] = voiceOfGroup[group];
        }

        ComputeVoices();
    }

    private static int Find(int[] parent, int s)
    {
        while (parent[s] != s)
        {
            parent[s] = parent[parent[s]];
            s = parent[s];
        }

        return s;
    }
}
