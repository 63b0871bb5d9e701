using SCOFacts.Api.Cli;
using SCOFacts.Ledger.Verifier;

namespace SCOFacts.Api.Tests.Ledger;

/// <summary>
/// <c>ledger verify</c> against running servers: it passes on a log that only grew, and fails (exit 1) on a tampered
/// kept checkpoint and on a history rewritten and re-signed with the same key.
/// </summary>
public sealed class LedgerVerifyVerbTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "scofacts-ledger-verify-" + Guid.NewGuid().ToString("N"));
    private LedgerApiFactory _original = null!;

    private string KeyFile => Path.Combine(_folder, "ledger.pub");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _original = new LedgerApiFactory();
        await _original.InitializeAsync();
        await File.WriteAllTextAsync(KeyFile, await _original.GetTextAsync(".well-known/scofacts-ledger-key"));
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_original).DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Verify_keeps_a_first_checkpoint_then_proves_the_grown_log_extends_it_and_includes_an_event()
    {
        var kept = Path.Combine(_folder, "kept.checkpoint");
        await _original.SealAsync(6);
        var first = await _original.SignAsync();

        var (exitCode, output, error) = await CliRun.InProcessAsync(null,
            "ledger", "verify", "--key", new Uri(_original.BaseAddress, ".well-known/scofacts-ledger-key").ToString(), "--checkpoint", kept);
        Assert.True(exitCode == CliVerbs.Success, output + error);
        Assert.Contains("trusted on first use", output, StringComparison.Ordinal);
        Assert.Equal(first, await File.ReadAllTextAsync(kept));

        var later = await _original.SealAsync(7);
        await _original.SignAsync();
        (exitCode, output, error) = await CliRun.InProcessAsync(null,
            "ledger", "verify", "--key", KeyFile, "--checkpoint", kept, "--url", _original.BaseAddress.ToString(), "--event", $"{later[2].Position}");
        Assert.True(exitCode == CliVerbs.Success, output + error);
        Assert.Contains("Consistent: the tree of 13 leaves extends the kept tree of 6", output, StringComparison.Ordinal);
        Assert.Contains($"the event at position {later[2].Position} is leaf 8", output, StringComparison.Ordinal);
        Assert.Equal(13, new CheckpointVerifier(VerifierKey.Parse((await File.ReadAllTextAsync(KeyFile)).Trim())).Verify(await File.ReadAllTextAsync(kept)).TreeSize);
    }

    [Fact]
    public async Task Verify_fails_on_a_tampered_kept_checkpoint()
    {
        await _original.SealAsync(5);
        var note = await _original.SignAsync();
        var kept = Path.Combine(_folder, "tampered.checkpoint");
        var lines = note.Split('\n');
        lines[1] = "4";
        await File.WriteAllTextAsync(kept, string.Join('\n', lines));

        var (exitCode, _, error) = await CliRun.InProcessAsync(null,
            "ledger", "verify", "--key", KeyFile, "--checkpoint", kept, "--url", _original.BaseAddress.ToString());
        Assert.Equal(CliVerbs.Failure, exitCode);
        Assert.Contains("does not verify with this key", error, StringComparison.Ordinal);
        Assert.Equal(string.Join('\n', lines), await File.ReadAllTextAsync(kept));
    }

    [Fact]
    public async Task A_history_rewritten_and_signed_with_the_same_key_fails_the_consistency_proof_and_the_verb()
    {
        var entries = Enumerable.Range(1, 6).Select(p => LedgerApiFactory.Entry(p, "fact-rewritten")).ToList();
        var more = Enumerable.Range(7, 4).Select(p => LedgerApiFactory.Entry(p, "fact-rewritten")).ToList();
        await _original.SealAsync(entries);
        var kept = Path.Combine(_folder, "old.checkpoint");
        await File.WriteAllTextAsync(kept, await _original.SignAsync());
        await _original.SealAsync(more);
        await _original.SignAsync();

        var rewritten = new LedgerApiFactory(_original.LedgerKeyPath);
        await rewritten.InitializeAsync();
        try
        {
            // The same events but one, whose words were changed before the log was rebuilt and signed again.
            var history = entries.ToList();
            history[2] = history[2] with { Data = """{"quote": "words never said", "value": 3}""" };
            await rewritten.SealAsync(history);
            await rewritten.SealAsync(more);
            var key = await rewritten.VerifierKeyAsync();
            Assert.Equal((await _original.VerifierKeyAsync()).Text, key.Text);
            var verifier = new CheckpointVerifier(key);
            var old = verifier.Verify(await File.ReadAllTextAsync(kept));
            var forged = verifier.Verify(await rewritten.SignAsync());
            Assert.Equal(10, forged.TreeSize);

            var proof = await rewritten.GetJsonAsync($"api/ledger/proofs/consistency?from={old.TreeSize}&to={forged.TreeSize}");
            Assert.False(ProofVerifier.VerifyConsistency(old.TreeSize, forged.TreeSize, old.RootHash, forged.RootHash, LedgerApiFactory.Hashes(proof)));
            // The honest log's proof between the same sizes does verify: only the rewrite fails.
            var honest = verifier.Verify(await _original.GetTextAsync("api/ledger/checkpoint"));
            var honestProof = await _original.GetJsonAsync($"api/ledger/proofs/consistency?from={old.TreeSize}&to={honest.TreeSize}");
            Assert.True(ProofVerifier.VerifyConsistency(old.TreeSize, honest.TreeSize, old.RootHash, honest.RootHash, LedgerApiFactory.Hashes(honestProof)));

            var before = await File.ReadAllTextAsync(kept);
            var (exitCode, output, error) = await CliRun.InProcessAsync(null,
                "ledger", "verify", "--key", KeyFile, "--checkpoint", kept, "--url", rewritten.BaseAddress.ToString());
            Assert.True(exitCode == CliVerbs.Failure, output + error);
            Assert.Contains("is not proved to extend the kept one", error, StringComparison.Ordinal);
            Assert.Equal(before, await File.ReadAllTextAsync(kept));
        }
        finally
        {
            await ((IAsyncLifetime)rewritten).DisposeAsync();
        }
    }

    [Theory]
    [InlineData("ledger")]
    [InlineData("ledger", "check")]
    [InlineData("ledger", "verify", "--checkpoint", "kept")]
    [InlineData("ledger", "verify", "--key", "KEYFILE", "--checkpoint", "kept")]
    [InlineData("ledger", "verify", "--key", "KEYFILE", "--checkpoint", "kept", "--url", "ftp://example")]
    [InlineData("ledger", "verify", "--key", "KEYFILE", "--checkpoint", "kept", "--url", "http://127.0.0.1:9", "--event", "first")]
    [InlineData("ledger", "verify", "--key", "no-such-key-file", "--checkpoint", "kept", "--url", "http://127.0.0.1:9")]
    public async Task Wrong_arguments_are_a_usage_error(params string[] args)
    {
        var (exitCode, _, error) = await CliRun.InProcessAsync(null, args.Select(a => a == "KEYFILE" ? KeyFile : a).ToArray());
        Assert.True(exitCode == CliVerbs.UsageError, error);
        Assert.Contains("ledger verify --key", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_API_is_a_failed_check_not_a_crash()
    {
        var (exitCode, _, error) = await CliRun.InProcessAsync(null,
            "ledger", "verify", "--key", KeyFile, "--checkpoint", Path.Combine(_folder, "none"), "--url", "http://127.0.0.1:9");
        Assert.Equal(CliVerbs.Failure, exitCode);
        Assert.Contains("could not reach", error, StringComparison.Ordinal);
    }
}
