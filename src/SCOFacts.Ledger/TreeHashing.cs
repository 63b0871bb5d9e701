using System.Security.Cryptography;

namespace SCOFacts.Ledger;

/// <summary>RFC 6962 leaf and node hashes, as the tree-building side computes them.</summary>
internal static class TreeHashing
{
    public const int Size = 32;

    public static byte[] Empty() => SHA256.HashData([]);

    public static byte[] Leaf(ReadOnlySpan<byte> leafBytes)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([0x00]);
        sha.AppendData(leafBytes);
        return sha.GetHashAndReset();
    }

    public static byte[] Node(byte[] left, byte[] right)
    {
        Span<byte> input = stackalloc byte[1 + 2 * Size];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + Size)..]);
        return SHA256.HashData(input);
    }
}
