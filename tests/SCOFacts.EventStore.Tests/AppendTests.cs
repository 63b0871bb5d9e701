using Npgsql;
using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests;

public sealed class AppendTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly EventStore _store = TestStores.Create(db.DataSource);

    [Fact]
    public async Task Several_events_in_one_append_get_contiguous_versions_and_one_transaction()
    {
        var result = await _store.AppendAsync("append-1", ExpectedVersion.NoStream, [new Counted(1), new Counted(2), new Renamed("x")], TestStores.Who());

        Assert.Equal([1L, 2L, 3L], result.Events.Select(e => e.StreamVersion));
        Assert.Single(result.Events.Select(e => e.TransactionId).Distinct());
        Assert.Equal(3, result.Version);
        var read = await _store.ReadStreamAsync("append-1");
        Assert.Equal([new Counted(1), new Counted(2), new Renamed("x")], read.Select(e => e.Data));
        Assert.All(read, e => Assert.Equal("tester", e.Metadata.Principal));
        Assert.Equal(result.Events.Select(e => e.Hash), read.Select(e => e.Hash));
    }

    [Fact]
    public async Task Expected_versions_are_enforced()
    {
        await _store.AppendAsync("append-2", ExpectedVersion.NoStream, [new Counted(1)], TestStores.Who());

        var again = await Assert.ThrowsAsync<ConcurrencyException>(() =>
            _store.AppendAsync("append-2", ExpectedVersion.NoStream, [new Counted(2)], TestStores.Who()));
        Assert.Equal(1, again.ActualVersion);
        var stale = await Assert.ThrowsAsync<ConcurrencyException>(() =>
            _store.AppendAsync("append-2", ExpectedVersion.Exact(0), [new Counted(2)], TestStores.Who()));
        Assert.Equal(1, stale.ActualVersion);
        await Assert.ThrowsAsync<ConcurrencyException>(() =>
            _store.AppendAsync("append-absent", ExpectedVersion.Exact(3), [new Counted(2)], TestStores.Who()));

        var exact = await _store.AppendAsync("append-2", ExpectedVersion.Exact(1), [new Counted(2)], TestStores.Who());
        var any = await _store.AppendAsync("append-2", ExpectedVersion.Any, [new Counted(3)], TestStores.Who());
        Assert.Equal(2, exact.Version);
        Assert.Equal(3, any.Version);
        Assert.Equal(3, await _store.GetStreamVersionAsync("append-2"));
        Assert.Null(await _store.GetStreamVersionAsync("append-absent"));
    }

    [Fact]
    public async Task A_repeated_idempotency_key_stores_nothing_and_returns_the_original()
    {
        var first = await _store.AppendAsync("append-3", ExpectedVersion.Any, [new Counted(1), new Counted(2)], TestStores.Who(idempotencyKey: "key-1"));
        var retry = await _store.AppendAsync("append-3", ExpectedVersion.Any, [new Counted(99)], TestStores.Who(idempotencyKey: "key-1"));
        // The same key on another stream is another request.
        var elsewhere = await _store.AppendAsync("append-3b", ExpectedVersion.Any, [new Counted(5)], TestStores.Who(idempotencyKey: "key-1"));

        Assert.False(first.Duplicate);
        Assert.True(retry.Duplicate);
        Assert.False(elsewhere.Duplicate);
        Assert.Equal(first.Events.Select(e => e.GlobalPosition), retry.Events.Select(e => e.GlobalPosition));
        Assert.Equal([new Counted(1), new Counted(2)], retry.Events.Select(e => e.Data));
        Assert.Equal(2, (await _store.ReadStreamAsync("append-3")).Count);

        // One event goes through append_event, several through append_events: a key stored by
        // either answers a retry through the other.
        var one = await _store.AppendAsync("append-3c", ExpectedVersion.Any, [new Counted(8)], TestStores.Who(idempotencyKey: "key-2"));
        var retryOfOne = await _store.AppendAsync("append-3c", ExpectedVersion.Any, [new Counted(8), new Counted(9)], TestStores.Who(idempotencyKey: "key-2"));
        Assert.True(retryOfOne.Duplicate);
        Assert.Equal([(one.FirstPosition, new Counted(8))], retryOfOne.Events.Select(e => (e.GlobalPosition, (Counted)e.Data)));
        Assert.Single(await _store.ReadStreamAsync("append-3c"));
    }

    [Fact]
    public async Task Concurrent_retries_with_one_idempotency_key_store_once()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            _store.AppendAsync("append-4", ExpectedVersion.Any, [new Counted(7)], TestStores.Who(idempotencyKey: "same"))));

        Assert.Single(results, r => !r.Duplicate);
        Assert.Single(results.Select(r => r.FirstPosition).Distinct());
        Assert.Single(await _store.ReadStreamAsync("append-4"));
    }

    [Fact]
    public async Task The_database_refuses_to_update_or_delete_events()
    {
        await _store.AppendAsync("append-5", ExpectedVersion.Any, [new Counted(1)], TestStores.Who());

        var update = await Assert.ThrowsAsync<PostgresException>(() =>
            TestStores.ExecuteAsync(db.DataSource, "UPDATE events SET data = '{}' WHERE stream_id = 'append-5'"));
        var delete = await Assert.ThrowsAsync<PostgresException>(() =>
            TestStores.ExecuteAsync(db.DataSource, "DELETE FROM events WHERE stream_id = 'append-5'"));
        var truncate = await Assert.ThrowsAsync<PostgresException>(() =>
            TestStores.ExecuteAsync(db.DataSource, "TRUNCATE events CASCADE"));

        Assert.All([update, delete, truncate], e => Assert.Contains("append-only", e.MessageText, StringComparison.Ordinal));
        Assert.Equal(new Counted(1), (await _store.ReadStreamAsync("append-5")).Single().Data);
    }

    [Fact]
    public async Task An_append_in_a_rolled_back_caller_transaction_leaves_nothing()
    {
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await _store.AppendAsync(transaction, "append-6", ExpectedVersion.NoStream, [new Counted(1)], TestStores.Who());
            await transaction.RollbackAsync();
        }

        Assert.Null(await _store.GetStreamVersionAsync("append-6"));
        Assert.Empty(await _store.ReadStreamAsync("append-6"));
        var fresh = await _store.AppendAsync("append-6", ExpectedVersion.NoStream, [new Counted(2)], TestStores.Who());
        Assert.Equal(1, fresh.Version);
    }

    [Fact]
    public async Task Metadata_is_stored_with_every_event()
    {
        var metadata = new EventMetadata("editor:li", "corr-1", "cause-1", "idem-1", "because");
        await _store.AppendAsync("append-7", ExpectedVersion.Any, [new Counted(1), new Counted(2)], metadata);

        var read = await _store.ReadStreamAsync("append-7");
        Assert.All(read, e => Assert.Equal(metadata with { }, e.Metadata with { Extra = null }));
    }
}
