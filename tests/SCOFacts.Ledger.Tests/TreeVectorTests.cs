using System.Security.Cryptography;
using SCOFacts.Ledger.Verifier;

namespace SCOFacts.Ledger.Tests;

/// <summary>The tree's hashes against values derived by hand from RFC 6962's definitions.</summary>
public sealed class TreeVectorTests
{
    // The leaves of the RFC 6962 reference trees used across transparency-log implementations.
    private static readonly byte[][] ReferenceLeaves =
    [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ];

    [Fact]
    public void The_empty_tree_is_the_hash_of_no_bytes()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(TreeHashing.Empty()));
        Assert.Equal(TreeHashing.Empty(), Frontier.Empty().Root());
        Assert.Equal(TreeHashing.Empty(), TreeHashes.EmptyRoot());
    }

    [Fact]
    public void Leaf_and_node_hashes_carry_their_domain_prefix()
    {
        // SHA-256 of the single byte 0x00: the hash of an empty leaf.
        Assert.Equal(SHA256.HashData(new byte[] { 0x00 }), TreeHashing.Leaf([]));
        Assert.Equal("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", Convert.ToHexStringLower(TreeHashing.Leaf([])));
        var left = SHA256.HashData("l"u8);
        var right = SHA256.HashData("r"u8);
        Assert.Equal(SHA256.HashData([0x01, .. left, .. right]), TreeHashing.Node(left, right));
        Assert.Equal(TreeHashing.Node(left, right), TreeHashes.Node(left, right));
        Assert.NotEqual(TreeHashing.Leaf([.. left, .. right]), TreeHashing.Node(left, right));
    }

    [Fact]
    public void Small_trees_split_at_the_largest_power_of_two_below_their_size()
    {
        var l = ReferenceLeaves.Select(b => TreeHashing.Leaf(b)).ToArray();
        byte[] H(byte[] a, byte[] b) => SHA256.HashData([0x01, .. a, .. b]);
        var expected = new Dictionary<int, byte[]>
        {
            [1] = l[0],
            [2] = H(l[0], l[1]),
            [3] = H(H(l[0], l[1]), l[2]),
            [4] = H(H(l[0], l[1]), H(l[2], l[3])),
            [5] = H(H(H(l[0], l[1]), H(l[2], l[3])), l[4]),
            [6] = H(H(H(l[0], l[1]), H(l[2], l[3])), H(l[4], l[5])),
            [7] = H(H(H(l[0], l[1]), H(l[2], l[3])), H(H(l[4], l[5]), l[6])),
            [8] = H(H(H(l[0], l[1]), H(l[2], l[3])), H(H(l[4], l[5]), H(l[6], l[7]))),
        };
        var frontier = Frontier.Empty();
        for (var n = 1; n <= 8; n++)
        {
            frontier.Append(l[n - 1], null);
            Assert.Equal(expected[n], frontier.Root());
            Assert.Equal(expected[n], Rfc6962.Mth(l.Take(n).ToArray()));
        }
    }

    [Theory]
    // The roots of the reference trees as published with RFC 6962 implementations; each is also re-derived above by hand.
    [InlineData(1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")]
    [InlineData(2, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]
    [InlineData(3, "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77")]
    [InlineData(4, "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    [InlineData(5, "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4")]
    [InlineData(6, "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef")]
    [InlineData(7, "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c")]
    [InlineData(8, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
    public void Reference_tree_roots(int size, string root)
    {
        var frontier = Frontier.Empty();
        foreach (var leaf in ReferenceLeaves.Take(size))
            frontier.Append(TreeHashing.Leaf(leaf), null);
        Assert.Equal(root, Convert.ToHexStringLower(frontier.Root()));
    }

    [Fact]
    public void Appending_stores_each_complete_node_once_when_its_last_leaf_arrives()
    {
        var frontier = Frontier.Empty();
        var nodes = new List<(Subtree Node, byte[] Hash)>();
        var leaves = Enumerable.Range(0, 13).Select(i => TreeHashing.Leaf([(byte)i])).ToArray();
        foreach (var leaf in leaves)
            frontier.Append(leaf, nodes);

        // 13 leaves complete 6 pairs, 3 fours and 1 eight.
        Assert.Equal(10, nodes.Count);
        Assert.Equal(nodes.Count, nodes.Select(n => n.Node).Distinct().Count());
        foreach (var (node, hash) in nodes)
            Assert.Equal(Rfc6962.Mth(leaves, (int)node.Start, (int)node.End), hash);
    }

    [Fact]
    public void The_verifier_shares_no_code_with_the_ledger_and_needs_no_database()
    {
        var references = typeof(ProofVerifier).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.DoesNotContain("SCOFacts.Ledger", references);
        Assert.DoesNotContain("Npgsql", references);
        Assert.Contains("NSec.Cryptography", references);
    }

    [Fact]
    public void The_leaf_encoding_is_fixed_field_order_big_endian_and_length_prefixed()
    {
        var entry = new LedgerEntry(
            0x0102030405060708, Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), "s", 2, "T",
            DateTimeOffset.UnixEpoch.AddTicks(15), "{}", "é");
        Assert.Equal(
            "01" + "0102030405060708" + "00112233445566778899aabbccddeeff" + "00000001" + "73" + "0000000000000002"
            + "00000001" + "54" + "0000000000000001" + "00000002" + "7b7d" + "00000002" + "c3a9",
            Convert.ToHexStringLower(LeafEncoding.Encode(entry)));
        Assert.Equal(SHA256.HashData([0x00, .. LeafEncoding.Encode(entry)]), LeafEncoding.LeafHash(entry));
    }
}
