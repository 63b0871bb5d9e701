using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace SCOFacts.Ledger.Verifier;

/// <summary>
/// A log's public key in the signed-note verifier-key form <c>name+hash+base64(0x01 || key)</c>
/// (docs/ledger.md, "Keys").
/// </summary>
public sealed class VerifierKey
{
    /// <summary>The algorithm byte that names Ed25519 in a key and its key hash.</summary>
    public const byte Ed25519Algorithm = 0x01;

    private VerifierKey(string name, uint keyHash, PublicKey key, string text)
    {
        Name = name;
        KeyHash = keyHash;
        Key = key;
        Text = text;
    }

    /// <summary>The key's name, which is the log's origin.</summary>
    public string Name { get; }

    /// <summary>The key hash that signature lines carry in their first four bytes.</summary>
    public uint KeyHash { get; }

    /// <summary>The Ed25519 public key.</summary>
    public PublicKey Key { get; }

    /// <summary>The key as published.</summary>
    public string Text { get; }

    /// <summary>Reads a published verifier key; false when it is malformed or its hash does not match its name and key.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out VerifierKey? key)
    {
        key = null;
        if (string.IsNullOrEmpty(text))
            return false;
        // Base64 may itself contain '+': the key is everything after the second one.
        var parts = text.Split('+', 3);
        if (parts.Length != 3 || !IsValidName(parts[0]) || parts[1].Length != 8
            || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hash)
            || parts[1] != parts[1].ToLowerInvariant())
            return false;
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }
        if (blob.Length != 33 || blob[0] != Ed25519Algorithm || ComputeKeyHash(parts[0], blob.AsSpan(1)) != hash)
            return false;
        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, blob.AsSpan(1), KeyBlobFormat.RawPublicKey, out var publicKey) || publicKey is null)
            return false;
        key = new VerifierKey(parts[0], hash, publicKey, text);
        return true;
    }

    /// <summary>Reads a published verifier key.</summary>
    /// <exception cref="FormatException">The text is not a valid Ed25519 verifier key.</exception>
    public static VerifierKey Parse(string text) =>
        TryParse(text, out var key) ? key : throw new FormatException("Not an Ed25519 verifier key of the form name+hash+base64(0x01 || key).");

    /// <summary>
    /// The key hash: the first four bytes, big-endian, of <c>SHA-256(name || "\n" || 0x01 || public key)</c>.
    /// </summary>
    public static uint ComputeKeyHash(string name, ReadOnlySpan<byte> publicKey)
    {
        ArgumentNullException.ThrowIfNull(name);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = (byte)'\n';
        input[nameBytes.Length + 1] = Ed25519Algorithm;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        var digest = SHA256.HashData(input);
        return (uint)(digest[0] << 24 | digest[1] << 16 | digest[2] << 8 | digest[3]);
    }

    /// <summary>A key name is non-empty printable text with no spaces and no '+'.</summary>
    public static bool IsValidName(string name) =>
        !string.IsNullOrEmpty(name) && name.All(c => c > ' ' && c != '+' && c != '\u007f' && !char.IsWhiteSpace(c));
}
