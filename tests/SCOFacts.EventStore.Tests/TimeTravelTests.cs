using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests;

public sealed class TimeTravelTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static List<int> Fold(List<int> state, StoredEvent e) => e.Data is Counted c ? [.. state, c.N] : state;

    [Fact]
    public async Task A_stream_folded_at_a_version_or_a_timestamp_equals_the_fold_of_exactly_the_events_before_it()
    {
        var store = TestStores.Create(db.DataSource);
        var moments = new List<(long Version, DateTimeOffset At)>();
        for (var i = 1; i <= 12; i++)
        {
            var result = await store.AppendAsync("travel-1", ExpectedVersion.Any, [new Counted(i), new Counted(-i)], TestStores.Who());
            moments.Add((result.Version, result.Events[^1].RecordedAt));
        }
        var all = await store.ReadStreamAsync("travel-1");

        for (var version = 0; version <= all.Count; version++)
        {
            var (state, at) = await store.AggregateStreamAsync("travel-1", new List<int>(), Fold, new StreamReadOptions { ToVersion = version });
            Assert.Equal(all.Take(version).Aggregate(new List<int>(), Fold), state);
            Assert.Equal(version, at);
        }

        foreach (var (version, at) in moments)
        {
            var (state, reached) = await store.AggregateStreamAsync("travel-1", new List<int>(), Fold, new StreamReadOptions { ToTimestamp = at });
            Assert.Equal(all.Where(e => e.RecordedAt <= at).Aggregate(new List<int>(), Fold), state);
            Assert.Equal(version, reached);
        }

        var (before, none) = await store.AggregateStreamAsync("travel-1", new List<int>(), Fold,
            new StreamReadOptions { ToTimestamp = moments[0].At.AddTicks(-10) });
        Assert.Empty(before);
        Assert.Equal(0, none);
    }
}
