using SCOFacts.Ledger.Verifier;

namespace SCOFacts.Ledger.Tests;

/// <summary>
/// A ledger grown one leaf per batch, so every size from 1 to <see cref="Size"/> was a real tree head; its proofs are
/// checked by the separate verifier.
/// </summary>
public sealed class ProofFixture : IAsyncLifetime
{
    public const int Size = 40;

    private LedgerDatabase? _db;

    public LedgerDatabase Db => _db!;

    public IReadOnlyList<byte[]> LeafHashes { get; private set; } = [];

    public async Task InitializeAsync()
    {
        _db = await LedgerDatabase.CreateAsync();
        var entries = await _db.Source.AddRangeAsync(1, Size);
        foreach (var entry in entries)
            await _db.Sealer.SealAsync(new LedgerBatch(entry.Position - 1, entry.Position, [entry]));
        LeafHashes = entries.Select(e => TreeHashes.Leaf(LeafEncoding.Encode(e))).ToArray();
    }

    public async Task DisposeAsync()
    {
        if (_db is not null)
            await _db.DisposeAsync();
    }
}

public sealed class ProofTests(ProofFixture fixture) : IClassFixture<ProofFixture>
{
    private LedgerReader Reader => fixture.Db.Reader;

    [Fact]
    public async Task Every_size_has_the_root_the_rfc_definition_gives()
    {
        for (var n = 0; n <= ProofFixture.Size; n++)
        {
            var head = await Reader.GetTreeHeadAsync(n);
            Assert.Equal(Rfc6962.Mth(fixture.LeafHashes.Take(n).ToArray()), head.RootHash);
        }
    }

    [Fact]
    public async Task Every_leaf_is_proved_included_in_every_tree_containing_it()
    {
        for (var n = 1; n <= ProofFixture.Size; n++)
        {
            var root = (await Reader.GetTreeHeadAsync(n)).RootHash;
            for (var m = 0; m < n; m++)
            {
                var proof = await Reader.GetInclusionProofAsync(m, n);
                Assert.True(ProofVerifier.VerifyInclusion(fixture.LeafHashes[m], m, n, proof.Hashes, root), $"leaf {m} in {n}");
                Assert.True(proof.Hashes.Count <= CeilLog2(n), $"leaf {m} in {n}: {proof.Hashes.Count} hashes");
                Assert.True(proof.HashesRead <= 2 * CeilLog2(n), $"leaf {m} in {n}: read {proof.HashesRead}");
                if (n > 1)
                {
                    // The same proof for another index, or for another leaf at this index, must not check.
                    Assert.False(ProofVerifier.VerifyInclusion(fixture.LeafHashes[m], (m + 1) % n, n, proof.Hashes, root), $"leaf {m} as {(m + 1) % n} in {n}");
                    Assert.False(ProofVerifier.VerifyInclusion(fixture.LeafHashes[(m + 1) % n], m, n, proof.Hashes, root), $"leaf {(m + 1) % n} as {m} in {n}");
                }
            }
        }
    }

    [Fact]
    public async Task Every_tree_is_proved_consistent_with_every_earlier_one()
    {
        var roots = new List<byte[]>();
        for (var n = 0; n <= ProofFixture.Size; n++)
            roots.Add((await Reader.GetTreeHeadAsync(n)).RootHash);
        for (var n = 0; n <= ProofFixture.Size; n++)
        {
            for (var m = 0; m <= n; m++)
            {
                var proof = await Reader.GetConsistencyProofAsync(m, n);
                Assert.True(ProofVerifier.VerifyConsistency(m, n, roots[m], roots[n], proof.Hashes), $"{m} -> {n}");
                Assert.True(proof.Hashes.Count <= CeilLog2(n) + 1, $"{m} -> {n}: {proof.Hashes.Count} hashes");
                Assert.True(proof.HashesRead <= 2 * CeilLog2(n) + 1, $"{m} -> {n}: read {proof.HashesRead}");
                if (m > 0 && m < n)
                {
                    // Against another tree's root, the same proof fails.
                    Assert.False(ProofVerifier.VerifyConsistency(m, n, roots[m - 1], roots[n], proof.Hashes), $"{m - 1}'s root as {m}'s");
                    Assert.False(ProofVerifier.VerifyConsistency(m, n, roots[m], roots[n - 1], proof.Hashes), $"{n - 1}'s root as {n}'s");
                }
            }
        }
    }

    [Fact]
    public async Task A_changed_hash_in_a_proof_fails()
    {
        var n = ProofFixture.Size;
        var root = (await Reader.GetTreeHeadAsync(n)).RootHash;
        var old = (await Reader.GetTreeHeadAsync(13)).RootHash;
        var inclusion = await Reader.GetInclusionProofAsync(21, n);
        var consistency = await Reader.GetConsistencyProofAsync(13, n);
        for (var i = 0; i < inclusion.Hashes.Count; i++)
            Assert.False(ProofVerifier.VerifyInclusion(fixture.LeafHashes[21], 21, n, Flip(inclusion.Hashes, i), root), $"hash {i} changed");
        for (var i = 0; i < consistency.Hashes.Count; i++)
            Assert.False(ProofVerifier.VerifyConsistency(13, n, old, root, Flip(consistency.Hashes, i)), $"hash {i} changed");
        Assert.False(ProofVerifier.VerifyInclusion(fixture.LeafHashes[21], 21, n, inclusion.Hashes.SkipLast(1).ToList(), root));
        Assert.False(ProofVerifier.VerifyInclusion(fixture.LeafHashes[21], 21, n, [.. inclusion.Hashes, root], root));
        Assert.False(ProofVerifier.VerifyConsistency(13, n, old, root, consistency.Hashes.Skip(1).ToList()));
        Assert.False(ProofVerifier.VerifyConsistency(13, n, old, root, []));
    }

    [Fact]
    public async Task Sizes_beyond_the_tree_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Reader.GetTreeHeadAsync(ProofFixture.Size + 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Reader.GetInclusionProofAsync(3, ProofFixture.Size + 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Reader.GetInclusionProofAsync(5, 5));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Reader.GetConsistencyProofAsync(6, 5));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Reader.GetConsistencyProofAsync(5, ProofFixture.Size + 1));
    }

    internal static int CeilLog2(long n) => n <= 1 ? 0 : 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(n - 1));

    private static List<byte[]> Flip(IReadOnlyList<byte[]> hashes, int index) =>
        hashes.Select((h, i) => i == index ? h.Select((b, j) => j == 7 ? (byte)(b ^ 0x40) : b).ToArray() : h).ToList();
}

public sealed class LargeTreeProofTests
{
    [Fact]
    public async Task Proofs_in_a_large_tree_read_logarithmically_many_hashes()
    {
        await using var db = await LedgerDatabase.CreateAsync();
        const int size = 100_003;
        await db.Source.AddRangeAsync(1, size);
        for (var after = 0; after < size; after += 25_000)
            await db.SealAsync(after, Math.Min(after + 25_000, size));
        var head = await db.Reader.GetTreeHeadAsync();
        Assert.Equal(size, head.TreeSize);
        var bound = ProofTests.CeilLog2(size);

        var old = await db.Reader.GetTreeHeadAsync(65_537);
        var consistency = await db.Reader.GetConsistencyProofAsync(65_537, size);
        Assert.True(ProofVerifier.VerifyConsistency(old.TreeSize, size, old.RootHash, head.RootHash, consistency.Hashes));
        Assert.True(consistency.HashesRead <= 2 * bound + 1, $"read {consistency.HashesRead}");
        foreach (var position in new long[] { 1, 4_097, 65_536, 99_999, size })
        {
            var entry = Assert.Single(await db.Source.ReadAsync(position - 1, position));
            var leaf = await db.Reader.FindLeafByPositionAsync(position);
            Assert.NotNull(leaf);
            var proof = await db.Reader.GetInclusionProofAsync(leaf.LeafIndex, size);
            Assert.True(ProofVerifier.VerifyInclusion(TreeHashes.Leaf(LeafEncoding.Encode(entry)), leaf.LeafIndex, size, proof.Hashes, head.RootHash));
            Assert.True(proof.Hashes.Count <= bound && proof.HashesRead <= 2 * bound, $"position {position}: {proof.Hashes.Count} hashes, read {proof.HashesRead}");
        }
        // Stored: one row per leaf and one per complete node above it, never more.
        Assert.Equal(size - System.Numerics.BitOperations.PopCount((ulong)size), await db.CountAsync("SELECT count(*) FROM ledger_nodes"));
    }
}

public sealed class RewrittenHistoryTests
{
    [Fact]
    public async Task A_log_that_rewrote_its_history_cannot_prove_consistency_with_a_kept_head()
    {
        await using var honest = await LedgerDatabase.CreateAsync();
        await using var rewritten = await LedgerDatabase.CreateAsync();
        var entries = await honest.Source.AddRangeAsync(1, 30);
        await honest.SealAsync(0, 30);
        // The same events, but the seventh says something else; everything after it is as before.
        var changed = entries.Select(e => e.Position == 7 ? e with { Data = "{\"claimId\": \"c-7\", \"value\": 0}" } : e).ToList();
        await rewritten.Sealer.SealAsync(new LedgerBatch(0, 30, changed));
        var kept = await honest.Reader.GetTreeHeadAsync(20);
        await honest.Source.AddRangeAsync(31, 10);
        await honest.SealAsync(30, 40);
        await rewritten.Sealer.SealAsync(new LedgerBatch(30, 40, await honest.Source.ReadAsync(30, 40)));

        var honestHead = await honest.Reader.GetTreeHeadAsync();
        var rewrittenHead = await rewritten.Reader.GetTreeHeadAsync();
        var honestProof = await honest.Reader.GetConsistencyProofAsync(20, 40);
        var rewrittenProof = await rewritten.Reader.GetConsistencyProofAsync(20, 40);

        Assert.True(ProofVerifier.VerifyConsistency(20, 40, kept.RootHash, honestHead.RootHash, honestProof.Hashes));
        Assert.False(ProofVerifier.VerifyConsistency(20, 40, kept.RootHash, rewrittenHead.RootHash, rewrittenProof.Hashes));
        // Not even the honest log's proof bridges the kept head to the rewritten one.
        Assert.False(ProofVerifier.VerifyConsistency(20, 40, kept.RootHash, rewrittenHead.RootHash, honestProof.Hashes));
        // Its own proof is sound: it is the history, not the proof, that gives it away.
        var rewrittenOld = await rewritten.Reader.GetTreeHeadAsync(20);
        Assert.True(ProofVerifier.VerifyConsistency(20, 40, rewrittenOld.RootHash, rewrittenHead.RootHash, rewrittenProof.Hashes));
        // A kept head from before the rewritten event still checks: the rewrite shows exactly from leaf 6 on.
        var early = await honest.Reader.GetTreeHeadAsync(6);
        var fromEarly = await rewritten.Reader.GetConsistencyProofAsync(6, 40);
        Assert.True(ProofVerifier.VerifyConsistency(6, 40, early.RootHash, rewrittenHead.RootHash, fromEarly.Hashes));
        var justAfter = await honest.Reader.GetTreeHeadAsync(7);
        var fromJustAfter = await rewritten.Reader.GetConsistencyProofAsync(7, 40);
        Assert.False(ProofVerifier.VerifyConsistency(7, 40, justAfter.RootHash, rewrittenHead.RootHash, fromJustAfter.Hashes));
    }
}
