using Marten;
using Marten.Services;
using SCOFacts.Api.Storage;
using SCOFacts.Domain.Facts;
using SCOFacts.EventStore;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Storage;

/// <summary>
/// The product's append and read surface on Marten (<see cref="ScoFactsEvents"/>): expected versions, lost races as
/// <see cref="ConcurrencyException"/>, idempotency keys that store nothing twice, metadata on every event, appends
/// that roll back with the caller's transaction, and reads bounded by version and by moment.
/// </summary>
public sealed class ScoFactsEventsTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private DocumentStore _marten = null!;
    private ScoFactsEvents _events = null!;

    public Task InitializeAsync()
    {
        _marten = DocumentStore.For(options => ScoFactsMarten.Configure(options, fixture.DataSource));
        _events = new ScoFactsEvents(_marten, fixture.DataSource, []);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _marten.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Several_events_in_one_append_get_contiguous_versions_and_carry_the_metadata()
    {
        var stream = NewStream(out var factId);
        var metadata = new EventMetadata("editor:li", "corr-1", "cause-1", "idem-1", "because");

        var result = await _events.AppendAsync(stream, ExpectedVersion.NoStream, [Defined(factId), Recorded(factId, "c-1"), Recorded(factId, "c-2")], metadata);

        Assert.False(result.Duplicate);
        Assert.Equal([1L, 2L, 3L], result.Events.Select(e => e.StreamVersion));
        Assert.Equal(3, result.Version);
        var read = await _events.ReadStreamAsync(stream);
        Assert.Equal(result.Events.Select(e => (e.GlobalPosition, e.EventType, e.DataJson)), read.Select(e => (e.GlobalPosition, e.EventType, e.DataJson)));
        Assert.Equal(["FactDefined", "ClaimRecorded", "ClaimRecorded"], read.Select(e => e.EventType));
        Assert.Equal(["c-1", "c-2"], read.Select(e => e.Data).OfType<ClaimRecorded>().Select(c => c.ClaimId));
        Assert.All(read, e => Assert.Equal(metadata with { }, e.Metadata with { Extra = null }));
    }

    [Fact]
    public async Task Expected_versions_are_enforced_and_a_lost_race_says_where_the_stream_stands()
    {
        var stream = NewStream(out var factId);
        await _events.AppendAsync(stream, ExpectedVersion.NoStream, [Defined(factId)], Who());

        var again = await Assert.ThrowsAsync<ConcurrencyException>(() =>
            _events.AppendAsync(stream, ExpectedVersion.NoStream, [Recorded(factId, "c-1")], Who()));
        Assert.Equal(1, again.ActualVersion);
        var stale = await Assert.ThrowsAsync<ConcurrencyException>(() =>
            _events.AppendAsync(stream, ExpectedVersion.Exact(0), [Recorded(factId, "c-1")], Who()));
        Assert.Equal(1, stale.ActualVersion);
        var absent = NewStream(out var absentFact);
        await Assert.ThrowsAsync<ConcurrencyException>(() =>
            _events.AppendAsync(absent, ExpectedVersion.Exact(3), [Defined(absentFact)], Who()));

        var exact = await _events.AppendAsync(stream, ExpectedVersion.Exact(1), [Recorded(factId, "c-1")], Who());
        var any = await _events.AppendAsync(stream, ExpectedVersion.Any, [Recorded(factId, "c-2")], Who());
        Assert.Equal((2L, 3L), (exact.Version, any.Version));
        Assert.Equal(3, await _events.GetStreamVersionAsync(stream));
        Assert.Null(await _events.GetStreamVersionAsync(absent));
    }

    [Fact]
    public async Task Of_32_appenders_at_one_expected_version_exactly_one_wins_and_the_others_get_a_concurrency_error()
    {
        var stream = NewStream(out var factId);
        await _events.AppendAsync(stream, ExpectedVersion.NoStream, [Defined(factId)], Who());

        using var start = new ManualResetEventSlim();
        var attempts = Enumerable.Range(0, 32).Select(w => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                await _events.AppendAsync(stream, ExpectedVersion.Exact(1), [Recorded(factId, $"c-{w}")], Who($"writer-{w}"));
                return true;
            }
            catch (ConcurrencyException e)
            {
                Assert.Equal(ExpectedVersion.Exact(1), e.Expected);
                return false;
            }
        })).ToList();
        start.Set();
        var outcomes = await Task.WhenAll(attempts);

        Assert.Equal(1, outcomes.Count(won => won));
        Assert.Equal([1L, 2L], (await _events.ReadStreamAsync(stream)).Select(e => e.StreamVersion));
    }

    [Fact]
    public async Task A_repeated_idempotency_key_stores_nothing_and_returns_the_original_events()
    {
        var stream = NewStream(out var factId);
        var first = await _events.AppendAsync(stream, ExpectedVersion.Any, [Defined(factId), Recorded(factId, "c-1")], Who(idempotencyKey: "key-1"));
        var retry = await _events.AppendAsync(stream, ExpectedVersion.Any, [Recorded(factId, "c-99")], Who(idempotencyKey: "key-1"));
        // The same key on another stream is another request.
        var elsewhere = NewStream(out var otherFact);
        var other = await _events.AppendAsync(elsewhere, ExpectedVersion.Any, [Defined(otherFact)], Who(idempotencyKey: "key-1"));

        Assert.False(first.Duplicate);
        Assert.True(retry.Duplicate);
        Assert.False(other.Duplicate);
        Assert.Equal(first.Events.Select(e => (e.GlobalPosition, e.DataJson)), retry.Events.Select(e => (e.GlobalPosition, e.DataJson)));
        Assert.Equal(2, (await _events.ReadStreamAsync(stream)).Count);
    }

    [Fact]
    public async Task Concurrent_retries_with_one_idempotency_key_store_once()
    {
        var stream = NewStream(out var factId);
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() =>
            _events.AppendAsync(stream, ExpectedVersion.Any, [Defined(factId)], Who(idempotencyKey: "same")))));

        Assert.Single(results, r => !r.Duplicate);
        Assert.Single(results.Select(r => r.FirstPosition).Distinct());
        Assert.Single(await _events.ReadStreamAsync(stream));
    }

    [Fact]
    public async Task Completing_an_append_whose_key_another_request_stored_refuses_it_and_records_the_key_otherwise()
    {
        var stream = NewStream(out var factId);
        await _events.AppendAsync(stream, ExpectedVersion.NoStream, [Defined(factId)], Who(idempotencyKey: "taken"));

        // Events Marten inserted in a transaction of their own, as a write's session does before its commit completes them.
        async Task<IReadOnlyList<StoredEvent>> CompleteAsync(string claimId, string key)
        {
            await using var connection = await fixture.DataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var session = _marten.LightweightSession(SessionOptions.ForTransaction(transaction, shouldAutoCommit: false)))
            {
                session.Events.Append(stream, Recorded(factId, claimId));
                await session.SaveChangesAsync();
            }
            var stored = await _events.CompleteAppendAsync(transaction, stream, 1, key, CancellationToken.None);
            await transaction.CommitAsync();
            return stored;
        }

        await Assert.ThrowsAsync<SCOFacts.Api.Application.IdempotencyKeyTakenException>(() => CompleteAsync("c-1", "taken"));
        Assert.Single(await _events.ReadStreamAsync(stream));

        var stored = await CompleteAsync("c-2", "fresh");
        Assert.Equal(2, Assert.Single(stored).StreamVersion);
        // The key now holds the version it took: the same key again is a duplicate of that append.
        var retry = await _events.AppendAsync(stream, ExpectedVersion.Any, [Recorded(factId, "c-3")], Who(idempotencyKey: "fresh"));
        Assert.True(retry.Duplicate);
        Assert.Equal(2, Assert.Single(retry.Events).StreamVersion);
    }

    [Fact]
    public async Task An_append_in_a_rolled_back_caller_transaction_leaves_nothing()
    {
        var stream = NewStream(out var factId);
        await using (var connection = await fixture.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await _events.AppendAsync(transaction, stream, ExpectedVersion.NoStream, [Defined(factId)], Who(idempotencyKey: "rolled-back"));
            await transaction.RollbackAsync();
        }

        Assert.Null(await _events.GetStreamVersionAsync(stream));
        Assert.Empty(await _events.ReadStreamAsync(stream));
        // Neither the events nor the key survived: the same key now stores.
        var fresh = await _events.AppendAsync(stream, ExpectedVersion.NoStream, [Defined(factId)], Who(idempotencyKey: "rolled-back"));
        Assert.False(fresh.Duplicate);
        Assert.Equal(1, fresh.Version);
    }

    [Fact]
    public async Task A_stream_folded_at_a_version_or_a_moment_equals_the_fold_of_exactly_the_events_before_it()
    {
        var stream = NewStream(out var factId);
        var moments = new List<(long Version, DateTimeOffset At)>();
        await _events.AppendAsync(stream, ExpectedVersion.NoStream, [Defined(factId)], Who());
        for (var i = 1; i <= 6; i++)
        {
            var previous = moments.Count == 0 ? DateTimeOffset.MinValue : moments[^1].At;
            await Wait.UntilAsync(() => Task.FromResult(DateTimeOffset.UtcNow > previous.AddMilliseconds(1)), TimeSpan.FromSeconds(5), "the clock moves on");
            var result = await _events.AppendAsync(stream, ExpectedVersion.Any, [Recorded(factId, $"c-{i}a"), Recorded(factId, $"c-{i}b")], Who());
            moments.Add((result.Version, result.Events[^1].RecordedAt));
        }
        var all = await _events.ReadStreamAsync(stream);
        static List<string> Fold(List<string> claims, StoredEvent e) => e.Data is ClaimRecorded c ? [.. claims, c.ClaimId] : claims;

        for (var version = 0; version <= all.Count; version++)
        {
            var (state, at) = await _events.AggregateStreamAsync(stream, new List<string>(), Fold, new StreamReadOptions { ToVersion = version });
            Assert.Equal(all.Take(version).Aggregate(new List<string>(), Fold), state);
            Assert.Equal(version, at);
        }
        foreach (var (version, at) in moments)
        {
            var (state, reached) = await _events.AggregateStreamAsync(stream, new List<string>(), Fold, new StreamReadOptions { ToTimestamp = at });
            Assert.Equal(all.Where(e => e.RecordedAt <= at).Aggregate(new List<string>(), Fold), state);
            Assert.Equal(version, reached);
        }
        var (before, none) = await _events.AggregateStreamAsync(stream, new List<string>(), Fold,
            new StreamReadOptions { ToTimestamp = all[0].RecordedAt.AddTicks(-10) });
        Assert.Empty(before);
        Assert.Equal(0, none);
    }

    // ---------------------------------------------------------------- the command runner on ScoFactsEvents

    private static string NewStream(out string factId)
    {
        factId = $"f-{Guid.NewGuid():N}";
        return Fact.StreamId(factId);
    }

    private static EventMetadata Who(string principal = "tester", string? idempotencyKey = null) =>
        new(principal, Guid.NewGuid().ToString("N"), IdempotencyKey: idempotencyKey);

    private static FactDefined Defined(string factId) => MartenEventStoreTests.Defined(factId);

    private static ClaimRecorded Recorded(string factId, string claimId) => MartenEventStoreTests.Recorded(factId, claimId);
}
