using SCOFacts.EventStore.Projections;
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

    [Fact]
    public async Task Sixteen_writers_with_delays_and_rollbacks_every_committed_event_applied_exactly_once()
    {
        const string table = "feed_recorded";
        await RecordingProjection.CreateTableAsync(db.DataSource, table);
        var store = TestStores.Create(db.DataSource);
        var projection = new RecordingProjection("feed-recorder", table);
        using var daemon = new ProjectionDaemon(store, [projection], new DaemonOptions { BatchSize = 37, PollInterval = TimeSpan.FromMilliseconds(50) });
        await daemon.StartAsync(CancellationToken.None);

        // A plain feed reader pages concurrently and must see the same events once each, in one order.
        using var stopReader = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            var seen = new List<long>();
            var position = FeedPosition.Start;
            while (true)
            {
                var page = await store.ReadFeedAsync(position, 50);
                seen.AddRange(page.Events.Where(e => e.StreamId.StartsWith("feed-w", StringComparison.Ordinal)).Select(e => e.GlobalPosition));
                position = page.Next;
                if (page.Events.Count == 0)
                {
                    if (stopReader.IsCancellationRequested) return seen;
                    await store.WaitForAppendAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMilliseconds(20)).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
        });

        var committed = new System.Collections.Concurrent.ConcurrentBag<long>();
        var rolledBack = new System.Collections.Concurrent.ConcurrentBag<long>();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var i = 0; i < 40; i++)
            {
                await using var connection = await db.DataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                var result = await store.AppendAsync(transaction, $"feed-w{w}", ExpectedVersion.Any,
                    [new Counted(i), new Counted(-i)], TestStores.Who());
                await Task.Delay(random.Next(0, 15));
                var positions = result.Events.Select(e => e.GlobalPosition);
                if (random.NextDouble() < 0.15)
                {
                    await transaction.RollbackAsync();
                    foreach (var p in positions) rolledBack.Add(p);
                }
                else
                {
                    await transaction.CommitAsync();
                    store.NotifyCommitted();
                    foreach (var p in positions) committed.Add(p);
                }
            }
        })));

        await Wait.UntilAsync(async () => await TestStores.ScalarAsync(db.DataSource, $"SELECT count(*) FROM {table}") >= committed.Count,
            TimeSpan.FromSeconds(60), "the daemon has applied every committed event");
        await daemon.StopAsync(CancellationToken.None);
        await stopReader.CancelAsync();
        var readerSaw = await reader;

        var applied = await PositionsAsync(table);
        Assert.Equal(committed.Order(), applied.Order());
        Assert.Equal(applied.Count, applied.Distinct().Count());
        Assert.Empty(applied.Intersect(rolledBack));
        Assert.Equal(committed.Order(), readerSaw.Order());
        Assert.Equal(readerSaw.Count, readerSaw.Distinct().Count());
        Assert.NotEmpty(rolledBack);
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
