using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using NSec.Cryptography;

namespace SCOFacts.Ledger.Verifier;

/// <summary>
/// Checks a checkpoint's signature with a trusted verifier key and reads its tree head (docs/ledger.md,
/// "Checkpoint"). Anything malformed fails: nothing is guessed.
/// </summary>
public sealed class CheckpointVerifier
{
    private const string SignaturePrefix = "\u2014 ";
    private readonly VerifierKey _key;

    /// <summary>Creates a verifier that trusts <paramref name="key"/> alone and expects its name as the origin.</summary>
    public CheckpointVerifier(VerifierKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
    }

    /// <summary>
    /// True, with the tree head, when <paramref name="note"/> is a well-formed checkpoint for the key's origin carrying a
    /// valid signature by the key; otherwise false, with <paramref name="error"/> saying why.
    /// </summary>
    public bool TryVerify(string? note, [NotNullWhen(true)] out Checkpoint? checkpoint, [NotNullWhen(false)] out string? error)
    {
        checkpoint = null;
        if (string.IsNullOrEmpty(note) || !note.EndsWith('\n'))
            return Fail("the note is empty or does not end with a newline", out error);
        var split = note.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
            return Fail("the note has no empty line between its body and its signatures", out error);
        var body = note[..(split + 1)];
        var signatures = note[(split + 2)..];

        var signed = false;
        foreach (var line in signatures.Split('\n').SkipLast(1))
        {
            if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
                return Fail("a signature line does not start with an em dash and a space", out error);
            var fields = line[SignaturePrefix.Length..].Split(' ');
            if (fields.Length != 2 || fields[0] != _key.Name)
                continue;
            byte[] blob;
            try
            {
                blob = Convert.FromBase64String(fields[1]);
            }
            catch (FormatException)
            {
                return Fail("a signature is not valid base64", out error);
            }
            if (blob.Length != 4 + 64 || BinaryPrimitives.ReadUInt32BigEndian(blob) != _key.KeyHash)
                continue;
            if (!SignatureAlgorithm.Ed25519.Verify(_key.Key, Encoding.UTF8.GetBytes(body), blob.AsSpan(4)))
                return Fail("the signature by the trusted key does not verify", out error);
            signed = true;
        }
        if (!signed)
            return Fail("no signature by the trusted key", out error);

        var lines = body.Split('\n');
        // Three lines and the empty string after the last newline; extension lines are not part of this log's format.
        if (lines.Length != 4)
            return Fail("the body is not exactly origin, size and root", out error);
        if (lines[0] != _key.Name)
            return Fail($"the origin is '{lines[0]}', not '{_key.Name}'", out error);
        var sizeText = lines[1];
        if (sizeText.Length == 0 || (sizeText.Length > 1 && sizeText[0] == '0') || !sizeText.All(char.IsAsciiDigit)
            || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            return Fail("the tree size is not a decimal number without leading zeros", out error);
        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            return Fail("the root hash is not valid base64", out error);
        }
        if (root.Length != TreeHashes.Size || Convert.ToBase64String(root) != lines[2])
            return Fail("the root hash is not 32 bytes in standard base64", out error);

        checkpoint = new Checkpoint(lines[0], size, root);
        error = null;
        return true;
    }

    /// <summary>Checks a checkpoint and returns its tree head.</summary>
    /// <exception cref="FormatException">The checkpoint is malformed, for another origin, or not validly signed by the key.</exception>
    public Checkpoint Verify(string note) =>
        TryVerify(note, out var checkpoint, out var error) ? checkpoint : throw new FormatException("Checkpoint rejected: " + error + ".");

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }
}
