namespace SCOFacts.Ledger.Verifier;

/// <summary>
/// Checks inclusion and consistency proofs by the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2. Every method
/// answers false for a proof that does not check, including a malformed one; none throws on bad input.
/// </summary>
public static class ProofVerifier
{
    /// <summary>
    /// True when <paramref name="proof"/> shows the leaf with hash <paramref name="leafHash"/> at
    /// <paramref name="leafIndex"/> is in the tree of <paramref name="treeSize"/> leaves whose root is <paramref name="root"/>.
    /// </summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafHash, long leafIndex, long treeSize, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (leafIndex < 0 || leafIndex >= treeSize || !AreHashes(proof) || leafHash.Length != TreeHashes.Size || root.Length != TreeHashes.Size)
            return false;

        // fn walks the leaf's path up, sn the path of the tree's last leaf; where they meet, the
        // leaf's subtree is the last one at that level and has no right sibling to combine.
        var fn = leafIndex;
        var sn = treeSize - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0)
                return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = TreeHashes.Node(p, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                r = TreeHashes.Node(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    /// <summary>
    /// True when <paramref name="proof"/> shows the tree of <paramref name="firstSize"/> leaves with root
    /// <paramref name="firstRoot"/> is a prefix of the tree of <paramref name="secondSize"/> leaves with root
    /// <paramref name="secondRoot"/>.
    /// </summary>
    public static bool VerifyConsistency(
        long firstSize, long secondSize, ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot, IReadOnlyList<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (firstSize < 0 || secondSize < firstSize || !AreHashes(proof) || firstRoot.Length != TreeHashes.Size || secondRoot.Length != TreeHashes.Size)
            return false;
        if (firstSize == secondSize)
            return proof.Count == 0 && firstRoot.SequenceEqual(secondRoot);
        if (firstSize == 0)
            return proof.Count == 0;
        if (proof.Count == 0)
            return false;

        // A power-of-two first tree is itself a complete subtree of the second: the proof leaves its root out.
        var path = new List<byte[]>(proof.Count + 1);
        if ((firstSize & (firstSize - 1)) == 0)
            path.Add(firstRoot.ToArray());
        path.AddRange(proof);

        var fn = firstSize - 1;
        var sn = secondSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        var fr = path[0];
        var sr = path[0];
        for (var i = 1; i < path.Count; i++)
        {
            var c = path[i];
            if (sn == 0)
                return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = TreeHashes.Node(c, fr);
                sr = TreeHashes.Node(c, sr);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                sr = TreeHashes.Node(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr.AsSpan().SequenceEqual(firstRoot) && sr.AsSpan().SequenceEqual(secondRoot);
    }

    private static bool AreHashes(IReadOnlyList<byte[]> proof)
    {
        // More hashes than levels in any tree a 64-bit size allows is malformed, not merely wrong.
        if (proof.Count > 64)
            return false;
        foreach (var hash in proof)
        {
            if (hash is null || hash.Length != TreeHashes.Size)
                return false;
        }
        return true;
    }
}
