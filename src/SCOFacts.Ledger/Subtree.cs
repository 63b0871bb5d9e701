namespace SCOFacts.Ledger;

/// <summary>A complete subtree: at <paramref name="Level"/> it covers leaves [Index·2^Level, (Index+1)·2^Level).</summary>
internal readonly record struct Subtree(int Level, long Index)
{
    public long Start => Index << Level;

    public long End => (Index + 1) << Level;
}

/// <summary>The arithmetic of the RFC's tree shape: which complete subtrees make up a range, and which ranges a proof needs.</summary>
internal static class TreeShape
{
    /// <summary>The largest power of two strictly smaller than <paramref name="n"/> (n ≥ 2): where the RFC splits n leaves.</summary>
    public static long Split(long n) => 1L << (63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(n - 1)));

    /// <summary>
    /// The complete subtrees of [lo, hi), left to right, for a range whose hash the RFC's recursion asks for: lo is a
    /// multiple of a power of two at least hi − lo, so the pieces are the binary digits of hi − lo, largest first.
    /// </summary>
    public static List<Subtree> Pieces(long lo, long hi)
    {
        var pieces = new List<Subtree>();
        while (lo < hi)
        {
            var level = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(hi - lo));
            // Never larger than lo's alignment allows.
            if (lo != 0)
                level = Math.Min(level, System.Numerics.BitOperations.TrailingZeroCount(lo));
            pieces.Add(new Subtree(level, lo >> level));
            lo += 1L << level;
        }
        return pieces;
    }

    /// <summary>The ranges whose hashes form the inclusion proof of leaf <paramref name="m"/> in [lo, hi), in proof order (RFC 9162 PATH).</summary>
    public static void InclusionRanges(long m, long lo, long hi, List<(long Lo, long Hi)> ranges)
    {
        // Iterative descent; the RFC's recursion appends on the way back up, so collect and reverse.
        var collected = new List<(long, long)>();
        while (hi - lo > 1)
        {
            var k = Split(hi - lo);
            if (m < lo + k)
            {
                collected.Add((lo + k, hi));
                hi = lo + k;
            }
            else
            {
                collected.Add((lo, lo + k));
                lo += k;
            }
        }
        collected.Reverse();
        ranges.AddRange(collected);
    }

    /// <summary>The ranges whose hashes form the consistency proof from size <paramref name="m"/> to <paramref name="n"/> (RFC 9162 SUBPROOF), 0 &lt; m &lt; n.</summary>
    public static void ConsistencyRanges(long m, long n, List<(long Lo, long Hi)> ranges)
    {
        var collected = new List<(long, long)>();
        long lo = 0, hi = n;
        var complete = true;
        while (true)
        {
            if (m == hi)
            {
                if (!complete)
                    collected.Add((lo, hi));
                break;
            }
            var k = Split(hi - lo);
            if (m <= lo + k)
            {
                collected.Add((lo + k, hi));
                hi = lo + k;
            }
            else
            {
                collected.Add((lo, lo + k));
                lo += k;
                complete = false;
            }
        }
        collected.Reverse();
        ranges.AddRange(collected);
    }
}
