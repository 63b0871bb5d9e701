using System.Text;
using SCOFacts.Ledger.Verifier;

namespace SCOFacts.Ledger.Tests;

public sealed class CheckpointTests : IDisposable
{
    private const string Origin = "scofacts.test/ledger";
    private readonly string _folder = Directory.CreateTempSubdirectory("scofacts-ledger-key-").FullName;

    private string KeyPath => Path.Combine(_folder, "data", "ledger-signing.key");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_key_is_made_on_first_start_readable_by_its_owner_alone_and_reused_after()
    {
        string published;
        using (var first = LedgerSigningKey.LoadOrCreate(KeyPath, Origin))
            published = first.VerifierKey;
        using var second = LedgerSigningKey.LoadOrCreate(KeyPath, Origin);

        Assert.Equal(published, second.VerifierKey);
        Assert.StartsWith("PRIVATE+KEY+" + Origin + "+", File.ReadAllText(KeyPath), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyPath));
        Assert.True(VerifierKey.TryParse(published, out var parsed));
        Assert.Equal(Origin, parsed.Name);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(KeyPath)!));
        Assert.Throws<InvalidDataException>(() => LedgerSigningKey.LoadOrCreate(KeyPath, "another.origin/log"));
    }

    [Fact]
    public async Task Processes_starting_together_agree_on_one_key()
    {
        var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            using var key = LedgerSigningKey.LoadOrCreate(KeyPath, Origin);
            return key.VerifierKey;
        })));

        Assert.Single(keys.Distinct());
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(KeyPath)!));
    }

    [Fact]
    public void A_signed_checkpoint_verifies_with_the_published_key_and_gives_back_the_head()
    {
        using var key = LedgerSigningKey.LoadOrCreate(KeyPath, Origin);
        var root = TreeHashes.Leaf("x"u8);
        var note = key.SignCheckpoint(new TreeHead(1234, root));

        var checkpoint = new CheckpointVerifier(VerifierKey.Parse(key.VerifierKey)).Verify(note);

        Assert.Equal((Origin, 1234L), (checkpoint.Origin, checkpoint.TreeSize));
        Assert.Equal(root, checkpoint.RootHash);
        var lines = note.Split('\n');
        Assert.Equal([Origin, "1234", Convert.ToBase64String(root), "", lines[4], ""], lines);
        Assert.StartsWith("\u2014 " + Origin + " ", lines[4], StringComparison.Ordinal);
        Assert.Equal(4 + 64, Convert.FromBase64String(lines[4].Split(' ')[2]).Length);
    }

    [Fact]
    public void Any_change_to_a_checkpoint_or_its_signature_fails()
    {
        using var key = LedgerSigningKey.LoadOrCreate(KeyPath, Origin);
        var root = TreeHashes.Leaf("x"u8);
        var note = key.SignCheckpoint(new TreeHead(1234, root));
        var verifier = new CheckpointVerifier(VerifierKey.Parse(key.VerifierKey));
        Assert.True(verifier.TryVerify(note, out _, out _));

        var lines = note.Split('\n');
        var signature = Convert.FromBase64String(lines[4].Split(' ')[2]);
        signature[20] ^= 0x01;
        var forgedSignature = note.Replace(lines[4], $"\u2014 {Origin} {Convert.ToBase64String(signature)}", StringComparison.Ordinal);
        var otherRoot = Convert.ToBase64String(TreeHashes.Leaf("y"u8));
        var tampered = new Dictionary<string, string>
        {
            ["size"] = note.Replace("\n1234\n", "\n1235\n", StringComparison.Ordinal),
            ["root"] = note.Replace(lines[2], otherRoot, StringComparison.Ordinal),
            ["origin"] = note.Replace(Origin + "\n", "scofacts.test/other\n", StringComparison.Ordinal),
            ["signature"] = forgedSignature,
            ["no signature"] = string.Join('\n', lines.Take(4)) + "\n",
            ["no empty line"] = note.Replace("\n\n", "\n", StringComparison.Ordinal),
            ["extra body line"] = note.Replace(lines[2] + "\n", lines[2] + "\nextension\n", StringComparison.Ordinal),
        };
        foreach (var (change, text) in tampered)
            Assert.False(verifier.TryVerify(text, out _, out var error), $"{change} was accepted");

        // Signed by another key under the same name: not the trusted key, whatever it says.
        var otherPath = Path.Combine(_folder, "other.key");
        using var other = LedgerSigningKey.LoadOrCreate(otherPath, Origin);
        Assert.False(verifier.TryVerify(other.SignCheckpoint(new TreeHead(1234, root)), out _, out var otherError));
        Assert.Contains("trusted key", otherError, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => verifier.Verify(forgedSignature));
    }

    [Fact]
    public void A_verifier_key_whose_hash_does_not_match_is_refused()
    {
        using var key = LedgerSigningKey.LoadOrCreate(KeyPath, Origin);
        var parts = key.VerifierKey.Split('+', 3);
        var wrongHash = $"{parts[0]}+{(parts[1][0] == '0' ? '1' : '0')}{parts[1][1..]}+{parts[2]}";
        var renamed = $"other.name+{parts[1]}+{parts[2]}";

        Assert.True(VerifierKey.TryParse(key.VerifierKey, out _));
        Assert.False(VerifierKey.TryParse(wrongHash, out _));
        Assert.False(VerifierKey.TryParse(renamed, out _));
        Assert.False(VerifierKey.TryParse(Encoding.UTF8.GetString([]), out _));
    }

    [Fact]
    public void Bug_keys_whose_base64_held_a_plus_did_not_load()
    {
        // Base64 uses '+', the separator of the key format; over 32 keys one is all but certain to contain it.
        var published = new List<string>();
        for (var i = 0; i < 32; i++)
        {
            var path = Path.Combine(_folder, $"key-{i}");
            using (LedgerSigningKey.LoadOrCreate(path, Origin))
            {
            }
            using var reloaded = LedgerSigningKey.LoadOrCreate(path, Origin);
            Assert.True(VerifierKey.TryParse(reloaded.VerifierKey, out _), reloaded.VerifierKey);
            published.Add(reloaded.VerifierKey);
        }
        Assert.Contains(published, k => k.Split('+', 3)[2].Contains('+', StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_auditor_keeps_a_checkpoint_and_checks_the_next_one_and_an_event_against_it()
    {
        await using var db = await LedgerDatabase.CreateAsync();
        using var key = LedgerSigningKey.LoadOrCreate(KeyPath, Origin);
        var checkpoints = new LedgerCheckpoints(db.Database.DataSource, key);
        var verifier = new CheckpointVerifier(VerifierKey.Parse(key.VerifierKey));
        var empty = verifier.Verify(await checkpoints.SignLatestAsync());
        Assert.Equal(0, empty.TreeSize);
        Assert.Equal(TreeHashes.EmptyRoot(), empty.RootHash);

        await db.Source.AddRangeAsync(1, 11);
        await db.SealAsync(0, 11);
        var kept = verifier.Verify(await checkpoints.SignLatestAsync());
        Assert.Equal(await checkpoints.SignLatestAsync(), await checkpoints.GetLatestAsync());
        Assert.Equal(2, await db.CountAsync("SELECT count(*) FROM ledger_checkpoints"));

        var entries = await db.Source.AddRangeAsync(12, 20);
        await db.SealAsync(11, 31);
        var latest = verifier.Verify(await checkpoints.SignLatestAsync());
        var consistency = await db.Reader.GetConsistencyProofAsync(kept.TreeSize, latest.TreeSize);
        Assert.True(ProofVerifier.VerifyConsistency(kept.TreeSize, latest.TreeSize, kept.RootHash, latest.RootHash, consistency.Hashes));

        var entry = entries[7];
        var leaf = await db.Reader.FindLeafByPositionAsync(entry.Position);
        Assert.NotNull(leaf);
        var inclusion = await db.Reader.GetInclusionProofAsync(leaf.LeafIndex, latest.TreeSize);
        Assert.True(ProofVerifier.VerifyInclusion(TreeHashes.Leaf(LeafEncoding.Encode(entry)), leaf.LeafIndex, latest.TreeSize, inclusion.Hashes, latest.RootHash));
        var altered = entry with { Metadata = entry.Metadata.Replace("checker", "editor", StringComparison.Ordinal) };
        Assert.False(ProofVerifier.VerifyInclusion(TreeHashes.Leaf(LeafEncoding.Encode(altered)), leaf.LeafIndex, latest.TreeSize, inclusion.Hashes, latest.RootHash));
    }
}
