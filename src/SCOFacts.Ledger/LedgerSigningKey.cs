using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace SCOFacts.Ledger;

/// <summary>
/// The log's Ed25519 signing key, kept in a file outside the database (docs/ledger.md, "Keys"): whoever can rewrite
/// the database must not also be able to sign a rewritten history.
/// </summary>
public sealed class LedgerSigningKey : IDisposable
{
    private const string PrivatePrefix = "PRIVATE+KEY+";
    private const byte Ed25519 = 0x01;
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;

    private readonly Key _key;
    private readonly byte[] _publicKey;

    private LedgerSigningKey(string name, Key key)
    {
        Name = name;
        _key = key;
        _publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        KeyHash = ComputeKeyHash(name, _publicKey);
        VerifierKey = $"{name}+{KeyHash.ToString("x8", CultureInfo.InvariantCulture)}+{Convert.ToBase64String([Ed25519, .. _publicKey])}";
    }

    /// <summary>The key's name: the log's origin, the first line of every checkpoint it signs.</summary>
    public string Name { get; }

    /// <summary>The key hash signature lines start with.</summary>
    public uint KeyHash { get; }

    /// <summary>The public key as published for verifiers: <c>name+hash+base64(0x01 || key)</c>.</summary>
    public string VerifierKey { get; }

    /// <summary>
    /// Reads the key at <paramref name="path"/>, or makes one and writes it there (owner-only) when there is none.
    /// Processes starting together agree on one key: the file is made by an exclusive create.
    /// </summary>
    /// <param name="path">The key file, under the data folder.</param>
    /// <param name="origin">The log's origin; a key file made for another origin is refused.</param>
    /// <exception cref="InvalidDataException">The file exists but is not a key for <paramref name="origin"/>.</exception>
    public static LedgerSigningKey LoadOrCreate(string path, string origin)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!IsValidName(origin))
            throw new ArgumentException("An origin is non-empty printable text with no spaces and no '+'.", nameof(origin));
        if (!File.Exists(path))
            TryCreate(path, origin);
        return Load(path, origin);
    }

    /// <summary>Signs the tree head and returns the checkpoint note (docs/ledger.md, "Checkpoint").</summary>
    public string SignCheckpoint(TreeHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        var body = string.Create(CultureInfo.InvariantCulture, $"{Name}\n{head.TreeSize}\n{Convert.ToBase64String(head.RootHash)}\n");
        var signature = Algorithm.Sign(_key, Encoding.UTF8.GetBytes(body));
        var blob = new byte[4 + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(blob, KeyHash);
        signature.CopyTo(blob, 4);
        return $"{body}\n\u2014 {Name} {Convert.ToBase64String(blob)}\n";
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private static void TryCreate(string path, string origin)
    {
        using var key = Key.Create(Algorithm, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var seed = key.Export(KeyBlobFormat.RawPrivateKey);
        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        var text = $"{PrivatePrefix}{origin}+{ComputeKeyHash(origin, publicKey).ToString("x8", CultureInfo.InvariantCulture)}+{Convert.ToBase64String([Ed25519, .. seed])}\n";
        CryptographicOperations.ZeroMemory(seed);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // CreateNew is an exclusive create in the file system: of processes starting together exactly one makes the
        // file, the others find it there. (A rename that "never overwrites" is a check and a rename on some file
        // systems, which lets each of them publish a key of its own.)
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var stream = new FileStream(path, options);
            stream.Write(new UTF8Encoding(false).GetBytes(text));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process made the key first; that one is the log's key.
        }
    }

    // The maker writes its key in one short write after creating the file: a reader that comes between the two
    // sees an empty or partial file, and reads again until the line is whole.
    private static string ReadWhole(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var text = File.ReadAllText(path);
            if (text.EndsWith('\n') || DateTime.UtcNow > deadline) return text;
            Thread.Sleep(10);
        }
    }

    private static LedgerSigningKey Load(string path, string origin)
    {
        var text = ReadWhole(path).TrimEnd('\n');
        if (!text.StartsWith(PrivatePrefix, StringComparison.Ordinal))
            throw new InvalidDataException($"'{path}' is not a ledger signing key.");
        // Base64 may itself contain '+': the key is everything after the second one.
        var parts = text[PrivatePrefix.Length..].Split('+', 3);
        if (parts.Length != 3 || parts[0] != origin)
            throw new InvalidDataException($"'{path}' is not a signing key for the origin '{origin}'.");
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"'{path}' holds a malformed key.", e);
        }
        if (blob.Length != 33 || blob[0] != Ed25519)
            throw new InvalidDataException($"'{path}' does not hold an Ed25519 key.");
        var key = Key.Import(Algorithm, blob.AsSpan(1), KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None });
        CryptographicOperations.ZeroMemory(blob);
        var signingKey = new LedgerSigningKey(origin, key);
        if (signingKey.KeyHash.ToString("x8", CultureInfo.InvariantCulture) != parts[1])
        {
            signingKey.Dispose();
            throw new InvalidDataException($"'{path}' has a key hash that does not match its key.");
        }
        return signingKey;
    }

    private static uint ComputeKeyHash(string name, byte[] publicKey)
    {
        var input = new List<byte>(Encoding.UTF8.GetBytes(name)) { (byte)'\n', Ed25519 };
        input.AddRange(publicKey);
        var digest = SHA256.HashData(input.ToArray());
        return BinaryPrimitives.ReadUInt32BigEndian(digest);
    }

    private static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.All(c => c > ' ' && c != '+' && c != '\u007f' && !char.IsWhiteSpace(c));
}
