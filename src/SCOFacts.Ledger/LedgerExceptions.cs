namespace SCOFacts.Ledger;

/// <summary>The ledger refused a batch or found its own records inconsistent.</summary>
public abstract class LedgerException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected LedgerException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A batch starts beyond what has been sealed: the events between were never delivered, and sealing on would
/// leave them out of the log for good.
/// </summary>
public sealed class LedgerGapException : LedgerException
{
    /// <summary>Creates the exception.</summary>
    public LedgerGapException(long sealedThrough, long batchAfter)
        : base($"The ledger is sealed through position {sealedThrough} but the batch starts after position {batchAfter}: positions {sealedThrough + 1}..{batchAfter} were never delivered.")
    {
        SealedThrough = sealedThrough;
        BatchAfter = batchAfter;
    }

    /// <summary>The last position the ledger covers.</summary>
    public long SealedThrough { get; }

    /// <summary>The position the refused batch starts after.</summary>
    public long BatchAfter { get; }
}

/// <summary>
/// A batch disagrees with what is already sealed at <see cref="Position"/>: a redelivered event differs, is missing
/// from the redelivery, or was not there when its range was sealed.
/// </summary>
public sealed class LedgerIntegrityException : LedgerException
{
    /// <summary>Creates the exception.</summary>
    public LedgerIntegrityException(long position, string message, Exception? innerException = null)
        : base(message, innerException) => Position = position;

    /// <summary>The first position at which the batch and the ledger disagree.</summary>
    public long Position { get; }
}

/// <summary>
/// An event is in the store at <see cref="Position"/>, inside the range a batch covers, but the batch did not deliver
/// it: sealing on would leave it out of the log for good, so the sealer stops instead.
/// </summary>
public sealed class LedgerSkippedEventException : LedgerException
{
    /// <summary>Creates the exception.</summary>
    public LedgerSkippedEventException(long position, long through)
        : base($"The event at position {position} is in the store but the batch through position {through} did not deliver it; the ledger will not seal past it.")
    {
        Position = position;
        Through = through;
    }

    /// <summary>The position of the first event left out.</summary>
    public long Position { get; }

    /// <summary>The last position of the refused batch.</summary>
    public long Through { get; }
}
