namespace SCOFacts.EventStore;

/// <summary>A page of the commit-order feed.</summary>
/// <param name="Events">Events after the requested position, in commit order.</param>
/// <param name="Next">Where the next read starts: the last event's position, or the request's when empty.</param>
public sealed record FeedPage(IReadOnlyList<StoredEvent> Events, FeedPosition Next);
