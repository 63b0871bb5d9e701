namespace SCOFacts.Ledger;

/// <summary>
/// "The events with positions in (<paramref name="After"/>, <paramref name="Through"/>] are exactly these": the unit
/// the sealer takes, in the shape an event daemon delivers a range.
/// </summary>
/// <param name="After">The position the range starts after (0 for the first).</param>
/// <param name="Through">The last position the range covers; positions in it with no entry do not exist in the store.</param>
/// <param name="Entries">The events of the range, in increasing position.</param>
public sealed record LedgerBatch(long After, long Through, IReadOnlyList<LedgerEntry> Entries)
{
    /// <summary>A batch covering exactly up to its last entry.</summary>
    public static LedgerBatch Of(long after, IReadOnlyList<LedgerEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return new LedgerBatch(after, entries.Count == 0 ? after : entries[^1].Position, entries);
    }
}

/// <summary>What sealing a batch did.</summary>
/// <param name="Appended">Leaves added.</param>
/// <param name="AlreadySealed">Entries that were sealed before and matched.</param>
/// <param name="Head">The tree after the batch.</param>
public sealed record SealResult(int Appended, int AlreadySealed, TreeHead Head);
