using Marten;
using Microsoft.Extensions.DependencyInjection;
using SCOFacts.Api.Application;
using SCOFacts.Api.Storage;
using SCOFacts.Api.Tests.Upgrade;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.EventStore;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Storage;

/// <summary>The release 0011 database, started without carrying its log over: the tests carry it themselves.</summary>
public sealed class UncarriedReleaseDatabaseFactory : ReleaseDatabaseFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Events:CarryOverOnStart"] = "false";
    }
}

/// <summary>
/// Upgrading a database of the release before Marten (release 0011's, as that release wrote it) is carried into
/// Marten once, resumably, with every byte, time and piece of metadata, in the old commit order, after the old log's
/// own digest; and every fact folds to the same answer on both time axes.
/// </summary>
public sealed class LegacyLogCarryOverTests(UncarriedReleaseDatabaseFactory factory) : IClassFixture<UncarriedReleaseDatabaseFactory>
{
    [Fact]
    public async Task The_old_log_is_carried_over_whole_after_an_interruption_and_every_answer_is_kept()
    {
        var legacy = factory.Services.GetRequiredService<EventStore.EventStore>();
        var total = await factory.ScalarAsync("SELECT count(*) FROM events");
        Assert.True(total > 200, $"the seeded log holds {total} events");
        var carryOver = new LegacyLogCarryOver(legacy, factory.Services.GetRequiredService<IDocumentStore>(), factory.DataSource) { BatchSize = 50 };

        // Stopped after its first batch, as a crash or a cancelled start would stop it.
        using (var stop = new CancellationTokenSource())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                carryOver.RunAsync(new StopAfterFirstReport(stop), stop.Token));
        }
        var partial = await factory.ScalarAsync($"SELECT count(*) FROM mt_events WHERE stream_id <> '{LegacyLogCarryOver.GenesisStream}'");
        Assert.InRange(partial, 50, total - 1);

        var resumed = await carryOver.RunAsync();
        Assert.Equal(CarryOverOutcome.Carried, resumed.Outcome);
        Assert.Equal(total - partial, resumed.Carried);
        Assert.Equal(CarryOverOutcome.AlreadyCarried, (await carryOver.RunAsync()).Outcome);

        // The new log's first entry is the old log's final digest.
        // The old log's digest of all its events (one settles once no other transaction is open).
        LogDigest? digest = null;
        await Wait.UntilAsync(async () => (digest = (await legacy.VerifyAsync()).Current).EventCount == total,
            TimeSpan.FromSeconds(30), "the old log's digest covers every event");
        await using (var query = factory.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            var genesis = await query.Events.FetchStreamAsync(LegacyLogCarryOver.GenesisStream);
            var carried = Assert.IsType<LegacyLogCarriedOver>(Assert.Single(genesis).Data);
            Assert.Equal(digest!.Hash, carried.Digest);
            Assert.Equal(total, carried.EventCount);
            Assert.Equal(await factory.ScalarAsync("SELECT min(seq_id) FROM mt_events"), genesis[0].Sequence);
        }

        // Every event once, with its bytes, time and metadata; and in the old commit order.
        Assert.Equal(total, await factory.ScalarAsync($"SELECT count(*) FROM mt_events WHERE stream_id <> '{LegacyLogCarryOver.GenesisStream}'"));
        Assert.Equal(0, await factory.ScalarAsync(
            """
            SELECT count(*) FROM events o LEFT JOIN mt_events m ON m.stream_id = o.stream_id AND m.version = o.stream_version
            WHERE m.seq_id IS NULL
               OR m.type <> o.event_type
               OR m.data::text <> o.data::text
               OR m.timestamp <> o.recorded_at
               OR m.user_name IS DISTINCT FROM o.metadata->>'principal'
               OR m.correlation_id IS DISTINCT FROM o.metadata->>'correlationId'
               OR m.causation_id IS DISTINCT FROM o.metadata->>'causationId'
               OR m.headers->>'idempotencyKey' IS DISTINCT FROM o.metadata->>'idempotencyKey'
               OR m.headers->>'reason' IS DISTINCT FROM o.metadata->>'reason'
               OR (m.headers->>'legacyPosition')::bigint <> o.global_position
               OR m.headers->>'legacyHash' <> encode(o.hash, 'hex')
            """));
        Assert.Equal(0, await factory.ScalarAsync(
            $"""
            SELECT count(*) FROM
                (SELECT stream_id, version, row_number() OVER (ORDER BY seq_id) AS n FROM mt_events WHERE stream_id <> '{LegacyLogCarryOver.GenesisStream}') m
                FULL JOIN (SELECT stream_id, stream_version, row_number() OVER (ORDER BY transaction_id, global_position) AS n FROM events) o
                ON o.n = m.n
            WHERE o.stream_id IS DISTINCT FROM m.stream_id OR o.stream_version IS DISTINCT FROM m.version
            """));

        // As on start: the views are rebuilt from the carried log.
        await factory.Services.GetRequiredService<ViewRebuilder>().RebuildAsync(factory.Services.GetRequiredService<ReadModels.FactsProjection>(), replace: true);
        await AssertSameAnswersAsync(legacy);
    }

    // Both time axes: at three moments of the old log (now included), every fact folds from Marten's events to the
    // state it folds to from the old store's, and reconciles to the same answer at several valid times.
    private async Task AssertSameAnswersAsync(EventStore.EventStore legacy)
    {
        var reader = factory.Services.GetRequiredService<FactReader>();
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        var moments = new List<DateTimeOffset?> { null };
        await using (var command = factory.DataSource.CreateCommand(
            "SELECT percentile_disc(ARRAY[0.25, 0.75]) WITHIN GROUP (ORDER BY recorded_at) FROM events"))
        {
            foreach (var at in (DateTime[])(await command.ExecuteScalarAsync())!) moments.Add(new DateTimeOffset(at, TimeSpan.Zero));
        }
        var factIds = new List<string>();
        await using (var command = factory.DataSource.CreateCommand("SELECT DISTINCT stream_id FROM events WHERE stream_id LIKE 'fact-%' ORDER BY 1"))
        await using (var rows = await command.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync()) factIds.Add(rows.GetString(0)["fact-".Length..]);
        }
        DateOnly?[] validTimes = [null, new DateOnly(2001, 6, 15), new DateOnly(2017, 6, 9), new DateOnly(2024, 7, 4)];
        var compared = 0;
        await using var query = store.QuerySession();
        foreach (var knownAt in moments)
        {
            foreach (var factId in factIds)
            {
                var old = await ReadOldStreamAsync(legacy, Fact.StreamId(factId), knownAt);
                var carried = knownAt is { } t
                    ? await query.Events.FetchStreamAsync(Fact.StreamId(factId), timestamp: t)
                    : await query.Events.FetchStreamAsync(Fact.StreamId(factId));
                Assert.Equal(old.Select(e => (e.StreamVersion, e.EventType)), carried.Select(e => (e.Version, e.EventTypeName)));
                var before = Fact.Fold(old.Select(e => e.Data));
                var after = Fact.Fold(carried.Select(e => e.Data));
                if (!before.IsDefined) continue;
                var loaded = await reader.LoadAsync(factId, knownAt);
                foreach (var validAt in validTimes)
                {
                    var expected = Reconciler.Reconcile(before, loaded!.Value.Reliabilities, validAt, reader.Today);
                    var actual = Reconciler.Reconcile(after, loaded.Value.Reliabilities, validAt, reader.Today);
                    Assert.Equal((expected.Verdict, expected.Value?.Display, expected.Confidence, expected.Explanation),
                        (actual.Verdict, actual.Value?.Display, actual.Confidence, actual.Explanation));
                    compared++;
                }
            }
        }
        Assert.True(compared > 100, $"only {compared} answers compared");
    }

    // The old log's events of one stream recorded by a moment, read straight from its table.
    private async Task<List<(long StreamVersion, string EventType, object Data)>> ReadOldStreamAsync(
        EventStore.EventStore legacy, string streamId, DateTimeOffset? knownAt)
    {
        var events = new List<(long, string, object)>();
        await using var command = factory.DataSource.CreateCommand(
            "SELECT stream_version, event_type, data::text FROM events WHERE stream_id = $1 AND recorded_at <= $2 ORDER BY stream_version");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = streamId });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = (knownAt ?? DateTimeOffset.MaxValue).UtcDateTime });
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync())
            events.Add((rows.GetInt64(0), rows.GetString(1), legacy.Types.Deserialize(rows.GetString(1), rows.GetString(2))));
        return events;
    }

    private sealed class StopAfterFirstReport(CancellationTokenSource stop) : IProgress<long>
    {
        public void Report(long value) => stop.Cancel();
    }
}

/// <summary>A broken chain in the old log stops the upgrade before anything is carried.</summary>
public sealed class LegacyLogCarryOverRefusalTests(UncarriedReleaseDatabaseFactory factory) : IClassFixture<UncarriedReleaseDatabaseFactory>
{
    [Fact]
    public async Task An_old_log_that_does_not_verify_is_not_carried_over()
    {
        string fact;
        await using (var pick = factory.DataSource.CreateCommand(
            "SELECT substr(stream_id, 6) FROM events WHERE stream_id LIKE 'fact-%' AND stream_version = 2 AND event_type = 'ClaimRecorded' ORDER BY 1 LIMIT 1"))
            fact = (string)(await pick.ExecuteScalarAsync())!;

        // A superuser rewrites one recorded claim behind the store's back.
        await using (var tamper = factory.DataSource.CreateCommand(
            "ALTER TABLE events DISABLE TRIGGER events_append_only; " +
            $"UPDATE events SET data = jsonb_set(data, '{{quote}}', '\"edited\"') WHERE stream_id = 'fact-{fact}' AND stream_version = 2; " +
            "ALTER TABLE events ENABLE TRIGGER events_append_only;"))
            await tamper.ExecuteNonQueryAsync();

        var carryOver = new LegacyLogCarryOver(factory.Services.GetRequiredService<EventStore.EventStore>(),
            factory.Services.GetRequiredService<IDocumentStore>(), factory.DataSource);
        var refused = await Assert.ThrowsAsync<CarryOverRefusedException>(() => carryOver.RunAsync());

        Assert.Contains($"stream fact-{fact} version 2", refused.Message, StringComparison.Ordinal);
        await using var count = factory.DataSource.CreateCommand("SELECT count(*) FROM mt_events");
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }
}
