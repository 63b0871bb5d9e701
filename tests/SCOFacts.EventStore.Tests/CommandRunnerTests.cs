using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests;

public sealed class CommandRunnerTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private sealed record Refusal(string Why);

    private static int Evolve(int total, object e) => e is Counted c ? total + c.N : total;

    // Adds n unless the total would pass 1000.
    private static Func<int, long, Decision<Refusal>> Add(int n) => (total, _) =>
        total + n > 1000 ? Decision<Refusal>.Reject(new Refusal("too much")) : Decision<Refusal>.Accept([new Counted(n)]);

    [Fact]
    public async Task Concurrent_commands_all_land_by_retrying_on_fresh_state()
    {
        var store = TestStores.Create(db.DataSource);
        var runner = new CommandRunner(store, maxAttempts: 50);
        var outcomes = await Task.WhenAll(Enumerable.Range(1, 12).Select(i =>
            runner.RunAsync("runner-1", 0, Evolve, Add(i), TestStores.Who())));

        Assert.All(outcomes, o => Assert.True(o.Accepted));
        var (total, version) = await store.AggregateStreamAsync("runner-1", 0, (t, e) => Evolve(t, e.Data));
        Assert.Equal(78, total);
        Assert.Equal(12, version);
    }

    [Fact]
    public async Task A_rejection_appends_nothing_and_a_pinned_stale_version_is_a_conflict()
    {
        var store = TestStores.Create(db.DataSource);
        var runner = new CommandRunner(store);
        await runner.RunAsync("runner-2", 0, Evolve, Add(900), TestStores.Who());

        var refused = await runner.RunAsync("runner-2", 0, Evolve, Add(200), TestStores.Who());
        Assert.Equal(new Refusal("too much"), refused.Rejection);
        Assert.Equal(1, await store.GetStreamVersionAsync("runner-2"));

        var stale = await Assert.ThrowsAsync<ConcurrencyException>(() =>
            runner.RunAsync("runner-2", 0, Evolve, Add(1), TestStores.Who(), ExpectedVersion.Exact(0)));
        Assert.Equal(1, stale.ActualVersion);
        var pinned = await runner.RunAsync("runner-2", 0, Evolve, Add(1), TestStores.Who(), ExpectedVersion.Exact(1));
        Assert.Equal((901, 2L), (pinned.State, pinned.Version));
    }

    [Fact]
    public async Task A_repeated_idempotency_key_returns_the_original_outcome_instead_of_deciding_again()
    {
        var store = TestStores.Create(db.DataSource);
        var runner = new CommandRunner(store);
        var first = await runner.RunAsync("runner-3", 0, Evolve, Add(600), TestStores.Who(idempotencyKey: "once"));
        // Deciding again would be refused (1200 > 1000); the key says it already happened.
        var again = await runner.RunAsync("runner-3", 0, Evolve, Add(600), TestStores.Who(idempotencyKey: "once"));

        Assert.True(again.Accepted);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Appended!.FirstPosition, again.Appended!.FirstPosition);
        Assert.Equal(600, again.State);
        Assert.Equal(1, await store.GetStreamVersionAsync("runner-3"));
    }
}
