using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests;

public sealed class FeedTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Bug_feed_skipped_late_commit_a_lower_position_committing_after_a_higher_one_is_not_skipped()
    {
        var store = TestStores.Create(db.DataSource);
        var before = await ReadAllAsync(store, FeedPosition.Start);

        // The slow writer takes the lower position and keeps its transaction open.
        await using var slowConnection = await db.DataSource.OpenConnectionAsync();
        await using var slow = await slowConnection.BeginTransactionAsync();
        var low = (await LegacyLog.AppendAsync(slowConnection, slow, "late-slow", -2, [new Counted(1)], TestStores.Who()))[0];
        var high = (await LegacyLog.AppendAsync(db.DataSource, "late-fast", -2, [new Counted(2)], TestStores.Who()))[0];
        Assert.True(low.GlobalPosition < high.GlobalPosition);

        // A reader now must not move past the open transaction, or it would never see it.
        var whileOpen = await store.ReadFeedAsync(before.Next, 100);
        Assert.DoesNotContain(whileOpen.Events, e => e.GlobalPosition == high.GlobalPosition);

        await slow.CommitAsync();
        // Other databases' transactions on a shared test server can hold the horizon a little longer.
        var after = new List<StoredEvent>();
        var position = whileOpen.Next;
        await Wait.UntilAsync(async () =>
        {
            var page = await ReadAllAsync(store, position);
            after.AddRange(page.Events);
            position = page.Next;
            return after.Count >= 2;
        }, TimeSpan.FromSeconds(30), "both events are in the feed");
        Assert.Equal([low.GlobalPosition, high.GlobalPosition], after.Select(e => (long?)e.GlobalPosition));
        Assert.Equal([new Counted(1), new Counted(2)], after.Select(e => e.Data));
    }

    [Fact]
    public async Task A_frozen_log_is_read_whole_while_a_transaction_is_still_open()
    {
        var frozen = new EventStore(db.DataSource, new EventStoreOptions { Types = TestStores.Types(), Frozen = true });
        var before = await ReadAllAsync(frozen, FeedPosition.Start);
        var written = await LegacyLog.AppendAsync(db.DataSource, "frozen-1", -1, [new Counted(3), new Counted(4)], TestStores.Who());

        // An unrelated open writer holds a live feed back; a frozen log takes no more appends and need not wait.
        await using var open = await db.DataSource.OpenConnectionAsync();
        await using var transaction = await open.BeginTransactionAsync();
        await LegacyLog.AppendAsync(open, transaction, "frozen-open", -2, [new Counted(5)], TestStores.Who());

        var page = await ReadAllAsync(frozen, before.Next);
        Assert.Equal(written.Select(r => r.GlobalPosition), page.Events.Where(e => e.StreamId == "frozen-1").Select(e => (long?)e.GlobalPosition));
        Assert.Equal([1L, 2L], page.Events.Where(e => e.StreamId == "frozen-1").Select(e => e.StreamVersion));
        await transaction.RollbackAsync();
    }

    private static async Task<FeedPage> ReadAllAsync(EventStore store, FeedPosition from)
    {
        var events = new List<StoredEvent>();
        var position = from;
        while (true)
        {
            var page = await store.ReadFeedAsync(position, 500);
            if (page.Events.Count == 0) return new FeedPage(events, position);
            events.AddRange(page.Events);
            position = page.Next;
        }
    }
}
