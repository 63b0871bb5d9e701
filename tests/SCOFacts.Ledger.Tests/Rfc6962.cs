using System.Security.Cryptography;

namespace SCOFacts.Ledger.Tests;

/// <summary>
/// The RFC 6962 definitions written out as directly as the RFC states them (recursive, no storage), to check the
/// ledger and the verifier against.
/// </summary>
internal static class Rfc6962
{
    public static byte[] LeafHash(byte[] leaf) => SHA256.HashData([0x00, .. leaf]);

    public static byte[] NodeHash(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);

    public static byte[] Mth(IReadOnlyList<byte[]> leafHashes, int lo, int hi)
    {
        var n = hi - lo;
        if (n == 0)
            return SHA256.HashData([]);
        if (n == 1)
            return leafHashes[lo];
        var k = 1;
        while (k * 2 < n)
            k *= 2;
        return NodeHash(Mth(leafHashes, lo, lo + k), Mth(leafHashes, lo + k, hi));
    }

    public static byte[] Mth(IReadOnlyList<byte[]> leafHashes) => Mth(leafHashes, 0, leafHashes.Count);
}
