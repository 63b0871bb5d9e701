using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using SCOFacts.EventStore;
using SCOFacts.EventStore.Hosting;
using SCOFacts.EventStore.Migrations;
using SCOFacts.Ledger;
using SCOFacts.Ledger.Verifier;

namespace SCOFacts.Benchmarks.LedgerBench;

/// <summary>
/// The ledger's sealer catching up, against a raw INSERT of the same leaf rows in the same run (same batches, one
/// transaction each, a table with the same keys and no hashing, nodes or checks); then the size and cost of proofs
/// in the tree that built. A fresh throwaway cluster with fsync on.
/// </summary>
internal static class LedgerSuite
{
    private const int Rounds = 3;
    private const int BatchSize = 1000;
    private const int ProofSamples = 500;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(bool quick, bool martenOnly = false)
    {
#if DEBUG
        Console.WriteLine("WARNING: a Debug build; run with -c Release for numbers worth keeping.");
#endif
        var perRound = quick ? 10_000 : 100_000;
        Console.WriteLine($"SCOFacts ledger benchmark{(quick ? " (--quick: a smoke run)" : "")}: {Rounds} rounds of {perRound:N0} events in batches of {BatchSize:N0}");

        await using var cluster = LocalPostgresCluster.CreateThrowaway(new LocalPostgresClusterOptions { Fsync = true });
        await cluster.StartAsync();
        var migrations = Path.Combine(AppContext.BaseDirectory, "migrations");
        if (martenOnly)
        {
            await MartenCatchUpBench.RunAsync(cluster.ConnectionString, migrations, quick);
            return 0;
        }
        await using var db = EventStoreDataSource.Create(await BenchHost.CreateDatabaseAsync(cluster.ConnectionString, "bench_ledger"));
        await new MigrationRunner(db, migrations).ApplyAsync();
        await using (var raw = db.CreateCommand(
            """
            CREATE TABLE raw_leaves (
                leaf_index bigint PRIMARY KEY,
                position   bigint NOT NULL UNIQUE,
                event_id   uuid   NOT NULL UNIQUE,
                leaf_hash  bytea  NOT NULL
            )
            """))
            await raw.ExecuteNonQueryAsync();

        var sealer = new LedgerSealer(db);
        var sealerRates = new List<double>();
        var rawRates = new List<double>();
        long position = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var entries = MakeEntries(position + 1, perRound);
            var batches = entries.Chunk(BatchSize).ToArray();

            // The baseline gets its hashes for free: it measures writing the rows alone.
            var hashes = entries.Select(LeafEncoding.LeafHash).ToArray();
            var clock = Stopwatch.StartNew();
            var offset = 0;
            foreach (var batch in batches)
            {
                await RawInsertAsync(db, batch, hashes.AsMemory(offset, batch.Length), position + offset);
                offset += batch.Length;
            }
            rawRates.Add(perRound / clock.Elapsed.TotalSeconds);

            clock.Restart();
            var after = position;
            foreach (var batch in batches)
            {
                await sealer.SealAsync(LedgerBatch.Of(after, batch));
                after = batch[^1].Position;
            }
            sealerRates.Add(perRound / clock.Elapsed.TotalSeconds);
            Console.WriteLine($"  round {round + 1}: raw INSERT {rawRates[^1]:N0} events/s, sealer {sealerRates[^1]:N0} events/s");
            position += perRound;
        }

        // Live: the sealer following the store one event at a time, each its own batch and transaction.
        var live = quick ? 500 : 3000;
        var liveEntries = MakeEntries(position + 1, live);
        var liveHashes = liveEntries.Select(LeafEncoding.LeafHash).ToArray();
        var liveClock = Stopwatch.StartNew();
        for (var i = 0; i < live; i++)
            await RawInsertAsync(db, [liveEntries[i]], liveHashes.AsMemory(i, 1), position + i);
        var rawLive = live / liveClock.Elapsed.TotalSeconds;
        liveClock.Restart();
        for (var i = 0; i < live; i++)
            await sealer.SealAsync(LedgerBatch.Of(position + i, [liveEntries[i]]));
        var sealerLive = live / liveClock.Elapsed.TotalSeconds;
        position += live;

        var sealerMedian = Median(sealerRates);
        var rawMedian = Median(rawRates);
        Console.WriteLine();
        Console.WriteLine("| Row | Workload | Ledger | Baseline (raw INSERT) | Ratio |");
        Console.WriteLine("|---|---|---|---|---|");
        Console.WriteLine(string.Create(Inv,
            $"| L1 | sealer catch-up, batches of {BatchSize:N0}, median of {Rounds} | {sealerMedian:N0} events/s | {rawMedian:N0} events/s | {sealerMedian / rawMedian:0.00}x |"));
        Console.WriteLine(string.Create(Inv,
            $"|    | spread (min–max) | {sealerRates.Min():N0}–{sealerRates.Max():N0} | {rawRates.Min():N0}–{rawRates.Max():N0} | |"));
        Console.WriteLine(string.Create(Inv,
            $"| L2 | sealer live, one event per batch, {live:N0} batches | {sealerLive:N0} events/s | {rawLive:N0} events/s | {sealerLive / rawLive:0.00}x |"));

        await ReportProofsAsync(db, position);
        await MartenCatchUpBench.RunAsync(cluster.ConnectionString, migrations, quick);
        return 0;
    }

    private static async Task ReportProofsAsync(NpgsqlDataSource db, long size)
    {
        var reader = new LedgerReader(db);
        var head = await reader.GetTreeHeadAsync();
        var random = new Random(62);
        var inclusion = new List<(int Hashes, int Read, double Ms)>();
        var consistency = new List<(int Hashes, int Read, double Ms)>();
        for (var i = 0; i < ProofSamples; i++)
        {
            var leaf = random.NextInt64(size);
            var clock = Stopwatch.StartNew();
            var proof = await reader.GetInclusionProofAsync(leaf, head.TreeSize);
            inclusion.Add((proof.Hashes.Count, proof.HashesRead, clock.Elapsed.TotalMilliseconds));
            if (i == 0)
            {
                var leafHash = (await reader.FindLeafByPositionAsync(leaf + 1))!.LeafHash;
                if (!ProofVerifier.VerifyInclusion(leafHash, leaf, head.TreeSize, proof.Hashes, head.RootHash))
                    throw new InvalidOperationException("An inclusion proof did not verify.");
            }

            var first = random.NextInt64(1, size);
            clock.Restart();
            var consistent = await reader.GetConsistencyProofAsync(first, head.TreeSize);
            consistency.Add((consistent.Hashes.Count, consistent.HashesRead, clock.Elapsed.TotalMilliseconds));
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(Inv, $"Proofs in a tree of {size:N0} leaves (⌈log2 n⌉ = {Math.Ceiling(Math.Log2(size)):0}), {ProofSamples} random samples each:"));
        Console.WriteLine("| Proof | hashes (mean / max) | bytes (max) | stored hashes read (max) | latency p50 / p99 |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (name, samples) in new[] { ("inclusion", inclusion), ("consistency", consistency) })
        {
            var ms = samples.Select(s => s.Ms).Order().ToArray();
            Console.WriteLine(string.Create(Inv,
                $"| {name} | {samples.Average(s => s.Hashes):0.0} / {samples.Max(s => s.Hashes)} | {samples.Max(s => s.Hashes) * 32} | {samples.Max(s => s.Read)} | {Percentile(ms, 50):0.00} / {Percentile(ms, 99):0.00} ms |"));
        }
    }

    private static LedgerEntry[] MakeEntries(long firstPosition, int count)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return Enumerable.Range(0, count).Select(i =>
        {
            var p = firstPosition + i;
            return new LedgerEntry(p, Guid.CreateVersion7(), $"sco.fact-{p % 500}", p / 500 + 1, "claim_recorded", start.AddTicks(p * 10),
                string.Create(Inv, $$$"""{"quote": "the member states agreed to establish the bank", "claimId": "c-{{{p}}}", "sourceId": "xinhua-2025-11-21", "validFrom": "2025-11-21", "value": {"kind": "quantity", "low": {{{p}}}.5, "high": {{{p}}}.6}}"""),
                string.Create(Inv, $$"""{"headers": {"idempotencyKey": "k-{{p}}"}, "userName": "checker", "causationId": "c-{{p}}", "correlationId": "r-{{p}}"}"""));
        }).ToArray();
    }

    private static async Task RawInsertAsync(NpgsqlDataSource db, LedgerEntry[] batch, ReadOnlyMemory<byte[]> hashes, long firstLeaf)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(
            "INSERT INTO raw_leaves SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::uuid[], $4::bytea[])", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = Enumerable.Range(0, batch.Length).Select(i => firstLeaf + i).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(e => e.Position).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(e => e.EventId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = hashes.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double Percentile(double[] sorted, double p)
    {
        var rank = p / 100.0 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }
}
