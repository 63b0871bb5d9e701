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
        var low = await store.AppendAsync(slow, "late-slow", ExpectedVersion.Any, [new Counted(1)], TestStores.Who());
        var high = await store.AppendAsync("late-fast", ExpectedVersion.Any, [new Counted(2)], TestStores.Who());
        Assert.True(low.FirstPosition < high.FirstPosition);

        // A reader now must not move past the open transaction, or it would never see it.
        var whileOpen = await store.ReadFeedAsync(before.Next, 100);
        Assert.DoesNotContain(whileOpen.Events, e => e.GlobalPosition == high.FirstPosition);
        var lag = await store.GetLagAsync(whileOpen.Next);
        Assert.True(lag.EventsBehind >= 1, $"expected the committed event counted as behind, got {lag.EventsBehind}");
        Assert.True(lag.OldestWriterSeconds > 0, "the open writer should show as holding the feed back");

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
        Assert.Equal([low.FirstPosition, high.FirstPosition], after.Select(e => e.GlobalPosition));
    }

    private async Task<List<long>> PositionsAsync(string table)
    {
        var positions = new List<long>();
        await using var command = db.DataSource.CreateCommand($"SELECT global_position FROM {table} WHERE stream_id LIKE 'feed-w%'");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) positions.Add(reader.GetInt64(0));
        return positions;
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
