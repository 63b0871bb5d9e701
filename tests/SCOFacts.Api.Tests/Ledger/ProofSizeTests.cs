using SCOFacts.Ledger;
using SCOFacts.Ledger.Verifier;

namespace SCOFacts.Api.Tests.Ledger;

/// <summary>Proofs served over HTTP stay O(log n): in a tree of 1,000 leaves, at most ⌈log₂ 1000⌉ = 10 hashes (11 for consistency).</summary>
public sealed class ProofSizeTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    [Fact]
    public async Task A_thousand_leaves_give_proofs_of_at_most_ten_hashes_that_verify()
    {
        await factory.SealAsync(1000);
        var checkpoint = new CheckpointVerifier(await factory.VerifierKeyAsync()).Verify(await factory.SignAsync());
        Assert.Equal(1000, checkpoint.TreeSize);

        var longest = 0;
        foreach (var index in new long[] { 0, 1, 2, 255, 511, 512, 733, 767, 959, 998, 999 })
        {
            var proof = await factory.GetJsonAsync($"api/ledger/proofs/inclusion?index={index}&treeSize=1000");
            var hashes = LedgerApiFactory.Hashes(proof);
            Assert.True(hashes.Count <= 10, $"leaf {index}: {hashes.Count} hashes");
            Assert.True(ProofVerifier.VerifyInclusion(TreeHashes.Leaf(LeafEncoding.Encode(factory.Sealed[(int)index])), index, 1000, hashes, checkpoint.RootHash));
            longest = Math.Max(longest, hashes.Count);
        }
        Assert.True(longest >= 9, "the sample reaches the deep end of the tree");

        foreach (var from in new long[] { 1, 3, 256, 500, 511, 512, 777, 999 })
        {
            var older = await factory.GetJsonAsync($"api/ledger/proofs/inclusion?index=0&treeSize={from}");
            var olderRoot = (await new LedgerReader(factory.DataSource).GetTreeHeadAsync(from)).RootHash;
            Assert.True(ProofVerifier.VerifyInclusion(TreeHashes.Leaf(LeafEncoding.Encode(factory.Sealed[0])), 0, from, LedgerApiFactory.Hashes(older), olderRoot));
            var proof = await factory.GetJsonAsync($"api/ledger/proofs/consistency?from={from}&to=1000");
            var hashes = LedgerApiFactory.Hashes(proof);
            Assert.True(hashes.Count <= 11, $"{from} to 1000: {hashes.Count} hashes");
            Assert.True(ProofVerifier.VerifyConsistency(from, 1000, olderRoot, checkpoint.RootHash, hashes), $"{from} to 1000");
        }
    }
}
