using SCOFacts.EventStore.Projections;
using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests;

public sealed class DaemonTests
{
    [Fact]
    public async Task Killed_at_random_points_and_restarted_the_projection_equals_a_rebuild_and_the_checkpoint_never_goes_back()
    {
        await using var db = await TestDatabase.CreateMigratedAsync();
        const string table = "killed_recorded";
        await RecordingProjection.CreateTableAsync(db.DataSource, table);
        var store = TestStores.Create(db.DataSource);
        for (var s = 0; s < 20; s++)
            await store.AppendAsync($"kill-{s}", ExpectedVersion.Any, Enumerable.Range(0, 100).Select(i => (object)new Counted(i)).ToList(), TestStores.Who());
        var total = await TestStores.ScalarAsync(db.DataSource, "SELECT count(*) FROM events");

        var projection = new RecordingProjection("killed", table);
        var random = new Random(42);
        var last = FeedPosition.Start;
        for (var kill = 0; kill < 12; kill++)
        {
            var daemon = new ProjectionDaemon(store, [projection], new DaemonOptions { BatchSize = 7, PollInterval = TimeSpan.FromMilliseconds(20) });
            using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(5, 120)));
            await daemon.StartAsync(CancellationToken.None);
            await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            daemon.Dispose(); // cancels mid-batch, wherever it is
            await daemon.StopAsync(CancellationToken.None);

            var checkpoint = await ProjectionCheckpoints.ReadAsync(db.DataSource, projection.Name, CancellationToken.None);
            Assert.True(checkpoint >= last, $"checkpoint went back from {last} to {checkpoint}");
            last = checkpoint;
            // Rows and checkpoint commit together: never a row beyond the checkpoint, never one missing before it.
            var rowsAtCheckpoint = await TestStores.ScalarAsync(db.DataSource, $"SELECT count(*) FROM {table}");
            var eventsAtCheckpoint = await TestStores.ScalarAsync(db.DataSource,
                $"SELECT count(*) FROM events WHERE (transaction_id, global_position) <= ('{checkpoint.TransactionId}'::xid8, {checkpoint.GlobalPosition})");
            Assert.Equal(eventsAtCheckpoint, rowsAtCheckpoint);
        }

        using (var final = new ProjectionDaemon(store, [projection], new DaemonOptions { BatchSize = 50, PollInterval = TimeSpan.FromMilliseconds(20) }))
        {
            await final.StartAsync(CancellationToken.None);
            await Wait.UntilAsync(async () => await TestStores.ScalarAsync(db.DataSource, $"SELECT count(*) FROM {table}") == total,
                TimeSpan.FromSeconds(30), "the restarted daemon has caught up");
            await final.StopAsync(CancellationToken.None);
        }

        Assert.Equal(total, await TestStores.ScalarAsync(db.DataSource, $"SELECT count(DISTINCT global_position) FROM {table}"));
        var report = await new ProjectionRebuilder(store).RebuildAsync(projection, replace: false);
        Assert.True(report.Matches, string.Join("\n", report.Differences));
        Assert.Equal(total, report.EventsReplayed);
    }

    [Fact]
    public async Task Two_daemons_never_lead_together_and_the_survivor_takes_over_when_the_leaders_lock_session_dies()
    {
        await using var db = await TestDatabase.CreateMigratedAsync();
        const string table = "leader_recorded";
        await RecordingProjection.CreateTableAsync(db.DataSource, table);
        await using var sourceA = db.CreateDataSource();
        await using var sourceB = db.CreateDataSource();
        var storeA = TestStores.Create(sourceA);
        var storeB = TestStores.Create(sourceB);
        var options = new DaemonOptions { BatchSize = 10, PollInterval = TimeSpan.FromMilliseconds(25) };
        using var a = new ProjectionDaemon(storeA, [new RecordingProjection("leader", table, "a")], options);
        using var b = new ProjectionDaemon(storeB, [new RecordingProjection("leader", table, "b")], options);

        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        await Wait.UntilAsync(() => a.IsLeader || b.IsLeader, TimeSpan.FromSeconds(10), "one daemon leads");
        var (leader, follower) = a.IsLeader ? (a, b) : (b, a);

        for (var i = 0; i < 30; i++) await storeA.AppendAsync($"lead-{i % 3}", ExpectedVersion.Any, [new Counted(i)], TestStores.Who());
        await Wait.UntilAsync(async () => await TestStores.ScalarAsync(db.DataSource, $"SELECT count(*) FROM {table}") == 30,
            TimeSpan.FromSeconds(20), "the leader has applied the first 30 events");
        Assert.Equal(0, follower.BatchesCommitted);

        // The server ends the leader's lock session; the leader process does not know yet.
        var terminated = await TestStores.ScalarAsync(db.DataSource,
            $"SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND objid = {0x5C0FAC75} AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        Assert.Equal(1, terminated);
        await Wait.UntilAsync(() => follower.IsLeader && !leader.IsLeader, TimeSpan.FromSeconds(20), "the follower has taken over");
        var oldLeaderBatches = leader.BatchesCommitted;

        for (var i = 30; i < 60; i++) await storeB.AppendAsync($"lead-{i % 3}", ExpectedVersion.Any, [new Counted(i)], TestStores.Who());
        await Wait.UntilAsync(async () => await TestStores.ScalarAsync(db.DataSource, $"SELECT count(*) FROM {table}") == 60,
            TimeSpan.FromSeconds(20), "the new leader has applied the next 30 events");

        await a.StopAsync(CancellationToken.None);
        await b.StopAsync(CancellationToken.None);
        // Leadership never overlapped in writing: in commit order, every row the first leader
        // applied comes before every row the second applied.
        var appliers = await AppliersInOrderAsync(db, table);
        var firstName = leader == a ? "a" : "b";
        Assert.Equal(appliers.OrderBy(x => x == firstName ? 0 : 1), appliers);
        Assert.Equal(2, appliers.Distinct().Count());
        Assert.Equal(oldLeaderBatches, leader.BatchesCommitted);
        Assert.True(follower.BatchesCommitted > 0);
        Assert.Equal(60, await TestStores.ScalarAsync(db.DataSource, $"SELECT count(DISTINCT global_position) FROM {table}"));
    }

    private static async Task<List<string>> AppliersInOrderAsync(TestDatabase db, string table)
    {
        var appliers = new List<string>();
        await using var command = db.DataSource.CreateCommand(
            $"SELECT r.applied_by FROM {table} r JOIN events e USING (global_position) ORDER BY e.transaction_id, e.global_position");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) appliers.Add(reader.GetString(0));
        return appliers;
    }
}
