using System.Globalization;

namespace SCOFacts.EventStore;

/// <summary>
/// A point in the commit-order feed: (transaction id, global position). Events are
/// read in that order, and only from transactions older than every running one, so a
/// position once passed never has an event committed before it later.
/// </summary>
/// <param name="TransactionId">The writing transaction's id (xid8).</param>
/// <param name="GlobalPosition">The event's identity position.</param>
public readonly record struct FeedPosition(ulong TransactionId, long GlobalPosition) : IComparable<FeedPosition>
{
    /// <summary>Before the first event.</summary>
    public static FeedPosition Start { get; } = new(0, 0);

    /// <inheritdoc />
    public int CompareTo(FeedPosition other)
    {
        var byTransaction = TransactionId.CompareTo(other.TransactionId);
        return byTransaction != 0 ? byTransaction : GlobalPosition.CompareTo(other.GlobalPosition);
    }

    /// <summary>Orders positions as the feed does.</summary>
    public static bool operator <(FeedPosition left, FeedPosition right) => left.CompareTo(right) < 0;

    /// <summary>Orders positions as the feed does.</summary>
    public static bool operator >(FeedPosition left, FeedPosition right) => left.CompareTo(right) > 0;

    /// <summary>Orders positions as the feed does.</summary>
    public static bool operator <=(FeedPosition left, FeedPosition right) => left.CompareTo(right) <= 0;

    /// <summary>Orders positions as the feed does.</summary>
    public static bool operator >=(FeedPosition left, FeedPosition right) => left.CompareTo(right) >= 0;

    /// <summary>A compact text form, "txid:position", for cursors and logs.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{TransactionId}:{GlobalPosition}");

    /// <summary>Parses the form <see cref="ToString"/> writes.</summary>
    public static bool TryParse(string? text, out FeedPosition position)
    {
        position = Start;
        if (string.IsNullOrEmpty(text)) return false;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0) return false;
        if (!ulong.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var tx)) return false;
        if (!long.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pos)) return false;
        position = new FeedPosition(tx, pos);
        return true;
    }
}
