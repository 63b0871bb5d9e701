using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests;

public sealed class ConcurrentAppendTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Thirty_two_appenders_at_one_expected_version_exactly_one_wins_each_round()
    {
        var store = TestStores.Create(db.DataSource);
        const int writers = 32, rounds = 25;
        await store.AppendAsync("race-1", ExpectedVersion.NoStream, [new Counted(0)], TestStores.Who());

        for (var round = 1; round <= rounds; round++)
        {
            var expected = ExpectedVersion.Exact(round);
            using var start = new ManualResetEventSlim();
            var attempts = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                start.Wait();
                try
                {
                    await store.AppendAsync("race-1", expected, [new Counted(round * 100 + w)], TestStores.Who($"writer-{w}"));
                    return true;
                }
                catch (ConcurrencyException e)
                {
                    Assert.Equal(round + 1, e.ActualVersion);
                    return false;
                }
            })).ToList();
            start.Set();
            var outcomes = await Task.WhenAll(attempts);
            Assert.Equal(1, outcomes.Count(won => won));
        }

        var events = await store.ReadStreamAsync("race-1");
        Assert.Equal(Enumerable.Range(1, rounds + 1).Select(v => (long)v), events.Select(e => e.StreamVersion));
        Assert.Equal(rounds + 1, await store.GetStreamVersionAsync("race-1"));
        Assert.Equal(rounds + 1, await TestStores.ScalarAsync(db.DataSource, "SELECT count(*) FROM events WHERE stream_id = 'race-1'"));
    }

    [Fact]
    public async Task Thirty_two_creators_of_one_new_stream_exactly_one_wins()
    {
        var store = TestStores.Create(db.DataSource);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 32).Select(w => Task.Run(async () =>
        {
            try
            {
                await store.AppendAsync("race-2", ExpectedVersion.NoStream, [new Counted(w)], TestStores.Who());
                return true;
            }
            catch (ConcurrencyException)
            {
                return false;
            }
        })));

        Assert.Equal(1, outcomes.Count(won => won));
        Assert.Single(await store.ReadStreamAsync("race-2"));
    }
}
