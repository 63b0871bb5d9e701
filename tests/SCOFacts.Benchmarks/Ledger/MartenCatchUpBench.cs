extern alias api;

using System.Diagnostics;
using System.Globalization;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Npgsql;
using SCOFacts.EventStore;
using SCOFacts.EventStore.Migrations;
using SCOFacts.Ledger;

namespace SCOFacts.Benchmarks.LedgerBench;

/// <summary>An event for the Marten rows: what the daemon deserialises and the sealer ignores.</summary>
public sealed record BenchClaimNoted(string Claim, int Weight);

/// <summary>
/// Catching up over events already in Marten's <c>mt_events</c>: the sealer on the real async daemon, and the same
/// daemon with a projection that does nothing, against a raw loop reading the same rows page by page in the same run.
/// Each round is a fresh database loaded with the same number of events.
/// </summary>
internal static class MartenCatchUpBench
{
    private const int Rounds = 3;
    private const int BatchSize = 1000;
    private const int Streams = 500;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly int Shipped = api::SCOFacts.Api.Storage.AsyncProjections.BatchSize;

    /// <summary>One way of running a projection on the daemon: its row, what it is, and how it is registered.</summary>
    private sealed record Variant(string Row, string Workload, Action<StoreOptions, NpgsqlDataSource> Register);

    // The sealer as it was (its code, its daemon settings) beside the sealer now at several batch sizes, each sealing
    // the same events into a ledger of its own in every round, so that before and after share a run.
    private static readonly Variant[] Sealers =
    [
        new("M1", "the sealer as it was (the row read back with the server's metadata object, 9 round trips a batch), batches of 2,500",
            (o, db) =>
            {
                o.Projections.Errors.SkipApplyErrors = false;
                o.Projections.Add(new SealerAsItWas(db), ProjectionLifecycle.Async, LedgerMartenOptions.ProjectionName, a => a.BatchSize = 2500);
            }),
        .. new[] { 1000, 2500, 5000 }.Select((size, i) => new Variant(
            string.Create(Inv, $"M1.{i + 1}"),
            string.Create(Inv, $"the sealer now, batches of {size:N0}{(size == Shipped ? " (the default)" : "")}"),
            (o, db) => o.AddLedgerSealer(db, size))),
    ];

    // The daemon with a projection that does nothing: as the row was measured (batches of 1,000, Marten's hopper), and
    // with the settings SCOFacts gives its projections.
    private static readonly Variant[] NoOps =
    [
        new("M2", "the daemon with a projection that does nothing, batches of 1,000", (o, _) => { }),
        new("M2.1", string.Create(Inv, $"the same, batches of {Shipped:N0} loaded one ahead (SCOFacts' daemon settings)"), (o, _) => { }),
    ];

    public static async Task RunAsync(string server, string migrations, bool quick)
    {
        var events = quick ? 20_000 : 100_000;
        Console.WriteLine();
        Console.WriteLine($"Catch-up on Marten: {Rounds} rounds, each a fresh database of {events:N0} events in {Streams} streams; every variant in every round, in an order that turns round by round");
        var raw = new List<double>();
        var noOp = NoOps.Select(_ => new List<double>()).ToArray();
        var sealer = Sealers.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < Rounds; round++)
        {
            var name = string.Create(Inv, $"bench_marten_{round}");
            var connectionString = await BenchHost.CreateDatabaseAsync(server, name);
            await using var db = EventStoreDataSource.Create(connectionString);
            await new MigrationRunner(db, migrations).ApplyAsync();
            await LoadAsync(connectionString, db, events);
            var last = await ScalarAsync(db, "SELECT max(seq_id) FROM mt_events");

            raw.Add(events / (await RawLoopAsync(db, last)).TotalSeconds);

            for (var turn = 0; turn < NoOps.Length; turn++)
            {
                var v = (turn + round) % NoOps.Length;
                var counting = new CountingProjection();
                var projectionName = string.Create(Inv, $"Trivial{v}");
                await using var store = Store(connectionString, o => o.Projections.Add(counting, ProjectionLifecycle.Async, projectionName,
                    a => { if (v == 0) a.BatchSize = BatchSize; else LedgerMartenOptions.LetLoadAhead(a, Shipped); }));
                using var daemon = await store.BuildProjectionDaemonAsync();
                var clock = Stopwatch.StartNew();
                await daemon.StartAllAsync();
                await UntilAsync(() => Task.FromResult(counting.Count >= events));
                noOp[v].Add(events / clock.Elapsed.TotalSeconds);
                await daemon.StopAllAsync();
            }

            // Each variant seals the same events into a ledger of its own: the ledger's tables are emptied in between
            // (the append-only guard is lifted for that, in this benchmark database only), and every variant must end
            // with the same root, leaf for leaf the same bytes.
            // The order turns each round, so that none always meets the freshest cache.
            TreeHead? agreed = null;
            for (var turn = 0; turn < Sealers.Length; turn++)
            {
                var v = (turn + round) % Sealers.Length;
                if (turn > 0) await ResetLedgerAsync(db);
                await using var store = Store(connectionString, o => Sealers[v].Register(o, db));
                using var daemon = await store.BuildProjectionDaemonAsync();
                var reader = new LedgerReader(db);
                var clock = Stopwatch.StartNew();
                await daemon.StartAllAsync();
                await UntilAsync(async () => (await reader.GetStateAsync()).SealedThrough >= last);
                sealer[v].Add(events / clock.Elapsed.TotalSeconds);
                await daemon.StopAllAsync();
                var head = await reader.GetTreeHeadAsync();
                if (head.TreeSize != events || (agreed is not null && !agreed.RootHash.AsSpan().SequenceEqual(head.RootHash)))
                    throw new InvalidOperationException($"{Sealers[v].Row} sealed a tree of {head.TreeSize} leaves with another root than the others'.");
                agreed = head;
            }
            Console.WriteLine($"  round {round + 1}: raw SELECT loop {raw[^1]:N0} events/s; " +
                string.Join("; ", NoOps.Select((n, i) => string.Create(Inv, $"{n.Row} {noOp[i][^1]:N0}"))) + "; " +
                string.Join("; ", Sealers.Select((n, i) => string.Create(Inv, $"{n.Row} {sealer[i][^1]:N0}"))) + " events/s");
        }

        Console.WriteLine();
        Console.WriteLine("| Row | Workload | Marten (median, spread) | Baseline (raw SELECT loop over mt_events) | Ratio | Against M1 |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        for (var v = 0; v < Sealers.Length; v++)
            Row(Sealers[v], sealer[v], raw, LedgerSuite.Median(sealer[0]));
        for (var v = 0; v < NoOps.Length; v++)
            Row(NoOps[v], noOp[v], raw, null);
    }

    private static void Row(Variant variant, List<double> rates, List<double> baseline, double? before)
    {
        var median = LedgerSuite.Median(rates);
        Console.WriteLine(string.Create(Inv,
            $"| {variant.Row} | {variant.Workload}, median of {Rounds} | {median:N0} events/s ({rates.Min():N0}–{rates.Max():N0}) | {LedgerSuite.Median(baseline):N0} events/s ({baseline.Min():N0}–{baseline.Max():N0}) | {median / LedgerSuite.Median(baseline):0.00}x | {(before is { } b ? (median / b).ToString("0.00", Inv) + "x" : "")} |"));
    }

    private static DocumentStore Store(string connectionString, Action<StoreOptions> projection) => DocumentStore.For(o =>
    {
        o.Connection(connectionString);
        o.AutoCreateSchemaObjects = AutoCreate.All;
        o.Events.StreamIdentity = StreamIdentity.AsString;
        o.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        o.Events.MetadataConfig.UserNameEnabled = true;
        o.Events.MetadataConfig.CorrelationIdEnabled = true;
        o.Events.MetadataConfig.CausationIdEnabled = true;
        o.Events.MetadataConfig.HeadersEnabled = true;
        o.Events.AddEventType<BenchClaimNoted>();
        o.Projections.UseTransactionEvidenceForGapSkipping = true;
        projection(o);
    });

    // Marten starts the streams (so their rows and the event type names are its own); the bulk of the events is
    // then inserted by one statement, shaped as Marten's appends store them.
    private static async Task LoadAsync(string connectionString, NpgsqlDataSource db, int events)
    {
        await using (var store = Store(connectionString, _ => { }))
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await using var session = store.LightweightSession();
            session.LastModifiedBy = "checker";
            for (var s = 0; s < Streams; s++)
                session.Events.StartStream(string.Create(Inv, $"fact-{s}"), new BenchClaimNoted("c", s));
            await session.SaveChangesAsync();
        }
        await using var insert = db.CreateCommand(
            """
            INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type,
                                   correlation_id, causation_id, headers, user_name, is_archived)
            SELECT nextval('mt_events_sequence'), gen_random_uuid(), 'fact-' || (g % $2), 2 + g / $2,
                   jsonb_build_object('Claim', 'the member states agreed to establish the bank, claim ' || g, 'Weight', g),
                   t.type, clock_timestamp(), t.tenant_id, t.mt_dotnet_type, 'corr-' || g, 'cause-' || g,
                   jsonb_build_object('reason', 'bench'), 'checker', false
            FROM generate_series(1, $1 - $2) AS g, (SELECT type, tenant_id, mt_dotnet_type FROM mt_events LIMIT 1) AS t
            """);
        insert.CommandTimeout = 600;
        insert.Parameters.Add(new NpgsqlParameter { Value = events });
        insert.Parameters.Add(new NpgsqlParameter { Value = Streams });
        await insert.ExecuteNonQueryAsync();
        await using var analyze = db.CreateCommand("ANALYZE mt_events");
        await analyze.ExecuteNonQueryAsync();
    }

    // Every column the daemon's loader reads, page by page in its batch size, each page its own query.
    private static async Task<TimeSpan> RawLoopAsync(NpgsqlDataSource db, long last)
    {
        var clock = Stopwatch.StartNew();
        long rows = 0;
        await using var connection = await db.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT d.seq_id, d.id, d.stream_id, d.version, d.data, d.type, d.timestamp, d.tenant_id, d.mt_dotnet_type,
                   d.correlation_id, d.causation_id, d.headers, d.user_name, d.is_archived, s.type
            FROM mt_events d JOIN mt_streams s ON s.id = d.stream_id
            WHERE d.seq_id > $1 AND d.seq_id <= $2 ORDER BY d.seq_id
            """, connection);
        var from = new NpgsqlParameter { Value = 0L };
        var to = new NpgsqlParameter { Value = 0L };
        command.Parameters.Add(from);
        command.Parameters.Add(to);
        for (long after = 0; after < last; after += BatchSize)
        {
            from.Value = after;
            to.Value = after + BatchSize;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                _ = reader.GetString(4);
                rows++;
            }
        }
        if (rows != last)
            throw new InvalidOperationException($"The raw loop read {rows} rows of {last}.");
        return clock.Elapsed;
    }

    private static async Task UntilAsync(Func<Task<bool>> done)
    {
        var clock = Stopwatch.StartNew();
        while (!await done())
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(10))
                throw new TimeoutException("The daemon did not catch up within 10 minutes.");
            await Task.Delay(10);
        }
    }

    private static async Task ResetLedgerAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand(
            """
            ALTER TABLE ledger_leaves DISABLE TRIGGER USER; ALTER TABLE ledger_nodes DISABLE TRIGGER USER;
            ALTER TABLE ledger_batches DISABLE TRIGGER USER; ALTER TABLE ledger_checkpoints DISABLE TRIGGER USER;
            TRUNCATE ledger_leaves, ledger_nodes, ledger_batches, ledger_checkpoints;
            ALTER TABLE ledger_leaves ENABLE TRIGGER USER; ALTER TABLE ledger_nodes ENABLE TRIGGER USER;
            ALTER TABLE ledger_batches ENABLE TRIGGER USER; ALTER TABLE ledger_checkpoints ENABLE TRIGGER USER;
            DELETE FROM mt_event_progression WHERE name LIKE 'Ledger%';
            """);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class CountingProjection : IProjection
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
        {
            Interlocked.Add(ref _count, events.Count);
            return Task.CompletedTask;
        }
    }
}
