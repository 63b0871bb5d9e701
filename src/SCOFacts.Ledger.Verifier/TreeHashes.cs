using System.Security.Cryptography;

namespace SCOFacts.Ledger.Verifier;

/// <summary>The RFC 6962 hashes: a leaf is <c>SHA-256(0x00 || bytes)</c>, a node <c>SHA-256(0x01 || left || right)</c>.</summary>
public static class TreeHashes
{
    /// <summary>The length of every hash in the log.</summary>
    public const int Size = 32;

    /// <summary>The root of the empty tree: SHA-256 of no bytes.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData([]);

    /// <summary>The hash of a leaf whose bytes are <paramref name="leafBytes"/>.</summary>
    public static byte[] Leaf(ReadOnlySpan<byte> leafBytes)
    {
        var input = new byte[1 + leafBytes.Length];
        leafBytes.CopyTo(input.AsSpan(1));
        return SHA256.HashData(input);
    }

    /// <summary>The hash of an interior node with children <paramref name="left"/> and <paramref name="right"/>.</summary>
    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> input = stackalloc byte[1 + 2 * Size];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + Size)..]);
        return SHA256.HashData(input);
    }
}
