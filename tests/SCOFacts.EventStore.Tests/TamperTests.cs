using SCOFacts.EventStore.Projections;
using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests;

public sealed class TamperTests
{
    private static async Task<(TestDatabase Db, EventStore Store)> SeededAsync()
    {
        var db = await TestDatabase.CreateMigratedAsync();
        var store = TestStores.Create(db.DataSource);
        for (var s = 0; s < 4; s++)
        {
            for (var i = 1; i <= 5; i++)
                await store.AppendAsync($"tamper-{s}", ExpectedVersion.Any, [new Counted(s * 10 + i)], TestStores.Who());
        }
        return (db, store);
    }

    // As a superuser would: switch the append-only trigger off, change the rows, switch it back on.
    private static Task AsSuperuserAsync(TestDatabase db, string sql) => TestStores.ExecuteAsync(db.DataSource,
        $"ALTER TABLE events DISABLE TRIGGER events_append_only; {sql}; ALTER TABLE events ENABLE TRIGGER events_append_only");

    private static Task<long> PositionAsync(TestDatabase db, string stream, int version) =>
        TestStores.ScalarAsync(db.DataSource, $"SELECT global_position FROM events WHERE stream_id = '{stream}' AND stream_version = {version}");

    [Fact]
    public async Task An_honest_log_verifies()
    {
        var (db, store) = await SeededAsync();
        await using var _ = db;
        var result = await store.VerifyAsync();
        Assert.True(result.IsValid, string.Join("; ", result.Breaks));
        Assert.Equal(20, result.EventsChecked);
        Assert.Equal(4, result.StreamsChecked);
    }

    [Fact]
    public async Task One_changed_byte_fails_at_exactly_that_event()
    {
        var (db, store) = await SeededAsync();
        await using var _ = db;
        var target = await PositionAsync(db, "tamper-2", 3);
        // 23 becomes 28: one character of the stored JSON.
        await AsSuperuserAsync(db, $"UPDATE events SET data = replace(data::text, '23', '28')::jsonb WHERE global_position = {target}");

        var result = await store.VerifyAsync();
        Assert.False(result.IsValid);
        Assert.Equal(("tamper-2", 3L, target), (result.FirstBreak!.StreamId, result.FirstBreak.StreamVersion!.Value, result.FirstBreak.GlobalPosition!.Value));
        Assert.Single(result.Breaks, b => b.StreamId is not null);
    }

    [Fact]
    public async Task A_deleted_event_fails_at_exactly_its_version()
    {
        var (db, store) = await SeededAsync();
        await using var _ = db;
        var target = await PositionAsync(db, "tamper-1", 2);
        await AsSuperuserAsync(db, $"DELETE FROM events WHERE global_position = {target}");

        var result = await store.VerifyAsync();
        Assert.False(result.IsValid);
        Assert.Equal(("tamper-1", 2L), (result.FirstBreak!.StreamId, result.FirstBreak.StreamVersion!.Value));
    }

    [Fact]
    public async Task A_deleted_last_event_is_caught_by_the_stream_head()
    {
        var (db, store) = await SeededAsync();
        await using var _ = db;
        var target = await PositionAsync(db, "tamper-3", 5);
        await AsSuperuserAsync(db, $"DELETE FROM events WHERE global_position = {target}");

        var result = await store.VerifyAsync();
        Assert.False(result.IsValid);
        Assert.Equal(("tamper-3", 5L), (result.FirstBreak!.StreamId, result.FirstBreak.StreamVersion!.Value));
    }

    [Fact]
    public async Task Two_reordered_events_fail_at_the_first_of_them()
    {
        var (db, store) = await SeededAsync();
        await using var _ = db;
        var second = await PositionAsync(db, "tamper-0", 2);
        var third = await PositionAsync(db, "tamper-0", 3);
        // Swap the two events' places in the stream (their contents and hashes move together).
        await AsSuperuserAsync(db,
            $"UPDATE events SET stream_version = stream_version + 1000 WHERE global_position IN ({second}, {third}); " +
            $"UPDATE events SET stream_version = CASE WHEN global_position = {second} THEN 3 ELSE 2 END WHERE global_position IN ({second}, {third})");

        var result = await store.VerifyAsync();
        Assert.False(result.IsValid);
        Assert.Equal(("tamper-0", 2L, third), (result.FirstBreak!.StreamId, result.FirstBreak.StreamVersion!.Value, result.FirstBreak.GlobalPosition!.Value));
    }

    [Fact]
    public async Task An_honest_append_after_a_digest_verifies_as_an_extension_and_a_rewrite_does_not()
    {
        var (db, store) = await SeededAsync();
        await using var _ = db;
        using var daemon = new ProjectionDaemon(store, [new DigestProjection()], new DaemonOptions { PollInterval = TimeSpan.FromMilliseconds(20) });
        await daemon.StartAsync(CancellationToken.None);
        await Wait.UntilAsync(async () => (await store.GetLatestDigestAsync())?.EventCount == 20, TimeSpan.FromSeconds(20), "the daemon has digested 20 events");
        var kept = (await store.GetLatestDigestAsync())!;
        Assert.Equal((await store.VerifyAsync()).Current.Hash, kept.Hash);

        await store.AppendAsync("tamper-new", ExpectedVersion.Any, [new Counted(100)], TestStores.Who());
        await Wait.UntilAsync(async () => (await store.GetLatestDigestAsync())?.EventCount == 21, TimeSpan.FromSeconds(20), "the daemon has digested the new event");
        await daemon.StopAsync(CancellationToken.None);

        var extended = await store.VerifyAsync(kept);
        Assert.True(extended.IsValid, $"kept {kept}, now {extended.Current}: " + string.Join("; ", extended.Breaks));
        Assert.True(extended.ExtendsDigest);
        Assert.Equal((await store.GetLatestDigestAsync())!.Hash, extended.Current.Hash);

        // Rewriting an early event and recomputing its stream's chain defeats the chain check
        // but not the digest an auditor kept.
        var target = await PositionAsync(db, "tamper-0", 5);
        await AsSuperuserAsync(db,
            $"UPDATE events SET data = '{{\"n\": 999}}'::jsonb WHERE global_position = {target}; " +
            $"UPDATE events e SET hash = event_hash((SELECT p.hash FROM events p WHERE p.stream_id = e.stream_id AND p.stream_version = e.stream_version - 1), " +
            "e.global_position, e.transaction_id, e.stream_id, e.stream_version, e.event_type, e.data, e.metadata, e.recorded_at) " +
            $"WHERE global_position = {target}; UPDATE streams SET last_hash = (SELECT hash FROM events WHERE global_position = {target}) WHERE stream_id = 'tamper-0'");

        var rewritten = await store.VerifyAsync(kept);
        Assert.DoesNotContain(rewritten.Breaks, b => b.StreamId is not null);
        Assert.False(rewritten.ExtendsDigest);
        Assert.False(rewritten.IsValid);
    }

    [Fact]
    public async Task Bug_verify_folded_the_digest_in_text_order_when_transaction_ids_differ_in_length()
    {
        // Transaction ids 9 and 10 sort before a four-digit one as numbers, after it as text.
        await using var db = await TestDatabase.CreateMigratedAsync();
        var store = TestStores.Create(db.DataSource);
        // Make sure the honest appends below get ids of four digits or more (ids are cluster-wide).
        await TestStores.ExecuteAsync(db.DataSource, "DO $$ BEGIN WHILE pg_current_xact_id() < '1000'::xid8 LOOP COMMIT; END LOOP; END $$");
        foreach (var stream in new[] { "digits-a", "digits-b", "digits-c" })
            await store.AppendAsync(stream, ExpectedVersion.NoStream, [new Counted(stream.Length)], TestStores.Who());
        await AsSuperuserAsync(db, string.Join("; ", new[] { ("digits-a", 9), ("digits-b", 10) }.Select(r =>
            $"UPDATE events SET transaction_id = '{r.Item2}'::xid8, hash = event_hash(NULL, global_position, '{r.Item2}'::xid8, stream_id, " +
            $"stream_version, event_type, data, metadata, recorded_at) WHERE stream_id = '{r.Item1}'; " +
            $"UPDATE streams SET last_hash = (SELECT hash FROM events WHERE stream_id = '{r.Item1}') WHERE stream_id = '{r.Item1}'")));
        Assert.True(await TestStores.ScalarAsync(db.DataSource,
            "SELECT transaction_id::text::bigint FROM events WHERE stream_id = 'digits-c'") >= 1000, "the third event's transaction id has four digits or more");

        var inNumericOrder = EventHash.EmptyDigest;
        foreach (var stream in new[] { "digits-a", "digits-b", "digits-c" })
            inNumericOrder = EventHash.ExtendDigest(inNumericOrder, (await store.ReadStreamAsync(stream))[0].Hash);
        var last = (await store.ReadStreamAsync("digits-c"))[0].FeedPosition;

        // Other tests' open transactions can hold the settled part of the log back: let the daemon
        // digest all three first, after which every later snapshot sees them settled.
        using var daemon = new ProjectionDaemon(store, [new DigestProjection()], new DaemonOptions { PollInterval = TimeSpan.FromMilliseconds(20) });
        await daemon.StartAsync(CancellationToken.None);
        await Wait.UntilAsync(async () => (await store.GetLatestDigestAsync())?.EventCount == 3, TimeSpan.FromSeconds(20), "the daemon has digested 3 events");
        await daemon.StopAsync(CancellationToken.None);
        var kept = (await store.GetLatestDigestAsync())!;
        Assert.Equal((last, Convert.ToHexStringLower(inNumericOrder)), (kept.Position, kept.Hash));

        var verified = await store.VerifyAsync();
        Assert.True(verified.IsValid, string.Join("; ", verified.Breaks));
        Assert.Equal((last, 3L, kept.Hash), (verified.Current.Position, verified.Current.EventCount, verified.Current.Hash));
        var again = await store.VerifyAsync(kept);
        Assert.True(again.IsValid, string.Join("; ", again.Breaks));
        Assert.True(again.ExtendsDigest);
    }
}
