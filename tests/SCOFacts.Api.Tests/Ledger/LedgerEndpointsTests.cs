using System.Net;
using System.Net.Http.Headers;
using SCOFacts.Api.Tests.Platform;
using SCOFacts.Ledger;
using SCOFacts.Ledger.Verifier;

namespace SCOFacts.Api.Tests.Ledger;

/// <summary>The ledger's HTTP surface, checked by the separate verifier trusting only the served key.</summary>
public sealed class LedgerEndpointsTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    [Fact]
    public async Task The_signing_key_is_made_on_first_start_readable_by_its_owner_only_and_the_well_known_key_verifies_the_served_checkpoint()
    {
        Assert.True(File.Exists(factory.LedgerKeyPath));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(factory.LedgerKeyPath));
        await factory.SealAsync(5);

        using var keyResponse = await factory.Http.GetAsync(new Uri("/.well-known/scofacts-ledger-key", UriKind.Relative));
        Assert.Equal("text/plain", keyResponse.Content.Headers.ContentType?.MediaType);
        Assert.Contains("public", keyResponse.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var key = await factory.VerifierKeyAsync();
        Assert.Equal("scofacts.local/ledger", key.Name);

        var note = await factory.SignAsync();
        var checkpoint = new CheckpointVerifier(key).Verify(note);
        var head = await new LedgerReader(factory.DataSource).GetTreeHeadAsync();
        Assert.Equal(head.TreeSize, checkpoint.TreeSize);
        Assert.Equal(head.RootHash, checkpoint.RootHash);

        // One changed byte in the body and the served key no longer vouches for it.
        var forged = note.Replace($"\n{checkpoint.TreeSize}\n", $"\n{checkpoint.TreeSize + 1}\n", StringComparison.Ordinal);
        Assert.False(new CheckpointVerifier(key).TryVerify(forged, out _, out _));
    }

    [Fact]
    public async Task The_checkpoint_as_JSON_carries_the_signed_notes_fields_when_asked_for()
    {
        await factory.SealAsync(2);
        var note = await factory.SignAsync();
        var json = await factory.GetJsonAsync("api/ledger/checkpoint");
        var key = await factory.VerifierKeyAsync();
        var checkpoint = new CheckpointVerifier(key).Verify(json.GetProperty("checkpoint").GetString()!);

        Assert.Equal(note, json.GetProperty("checkpoint").GetString());
        Assert.Equal(checkpoint.TreeSize, json.GetProperty("treeSize").GetInt64());
        Assert.Equal(Convert.ToBase64String(checkpoint.RootHash), json.GetProperty("rootHash").GetString());
        Assert.Equal(key.KeyHash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture), json.GetProperty("keyId").GetString());
        var signed = Convert.FromBase64String(note.Split('\n')[^2].Split(' ')[^1]);
        Assert.Equal(signed[4..], Convert.FromBase64String(json.GetProperty("signature").GetString()!));
        Assert.Equal(64, signed.Length - 4);

        // Anything that does not rank JSON first gets the note itself.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/ledger/checkpoint", UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json", 0.5));
        using var text = await factory.Http.SendAsync(request);
        Assert.Equal("text/plain", text.Content.Headers.ContentType?.MediaType);
        Assert.Equal(note, await text.Content.ReadAsStringAsync());
        Assert.Contains("Accept", text.Headers.Vary);
    }

    [Fact]
    public async Task Every_leaf_of_a_small_tree_has_an_inclusion_proof_that_the_verifier_accepts_by_index_and_by_position()
    {
        await factory.SealAsync(11);
        var checkpoint = new CheckpointVerifier(await factory.VerifierKeyAsync()).Verify(await factory.SignAsync());
        Assert.Equal(factory.Sealed.Count, checkpoint.TreeSize);

        for (var index = 0; index < factory.Sealed.Count; index++)
        {
            var entry = factory.Sealed[index];
            var leafHash = TreeHashes.Leaf(LeafEncoding.Encode(entry));

            var leaf = await factory.GetJsonAsync($"api/ledger/leaves/{index}");
            Assert.Equal(index, leaf.GetProperty("leafIndex").GetInt64());
            Assert.Equal(entry.Position, leaf.GetProperty("position").GetInt64());
            Assert.Equal(entry.EventId, leaf.GetProperty("eventId").GetGuid());
            Assert.Equal(Convert.ToBase64String(leafHash), leaf.GetProperty("leafHash").GetString());
            Assert.Equal(leaf.ToString(), (await factory.GetJsonAsync($"api/ledger/leaves?position={entry.Position}")).ToString());

            var byIndex = await factory.GetJsonAsync($"api/ledger/proofs/inclusion?index={index}&treeSize={checkpoint.TreeSize}");
            Assert.True(ProofVerifier.VerifyInclusion(leafHash, index, checkpoint.TreeSize, LedgerApiFactory.Hashes(byIndex), checkpoint.RootHash),
                $"inclusion of leaf {index} in {checkpoint.TreeSize}");
            var byPosition = await factory.GetJsonAsync($"api/ledger/proofs/inclusion?position={entry.Position}");
            Assert.Equal(byIndex.ToString(), byPosition.ToString());
            // Another leaf's hash does not fold to the root along this path.
            var other = TreeHashes.Leaf(LeafEncoding.Encode(factory.Sealed[(index + 1) % factory.Sealed.Count]));
            Assert.False(ProofVerifier.VerifyInclusion(other, index, checkpoint.TreeSize, LedgerApiFactory.Hashes(byIndex), checkpoint.RootHash));
        }
    }

    [Fact]
    public async Task What_names_a_fixed_tree_is_cacheable_for_good_and_the_latest_checkpoint_is_revalidated()
    {
        await factory.SealAsync(3);
        await factory.SignAsync();
        using var leaf = await factory.Http.GetAsync(new Uri("api/ledger/leaves/0", UriKind.Relative));
        Assert.Contains("immutable", leaf.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        using var proof = await factory.Http.GetAsync(new Uri("api/ledger/proofs/consistency?from=1&to=3", UriKind.Relative));
        Assert.Contains("immutable", proof.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        using var latest = await factory.Http.GetAsync(new Uri("api/ledger/checkpoint", UriKind.Relative));
        Assert.True(latest.Headers.CacheControl?.NoCache, latest.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task A_consistency_proof_between_two_served_checkpoints_verifies()
    {
        var key = await factory.VerifierKeyAsync();
        await factory.SealAsync(6);
        var older = new CheckpointVerifier(key).Verify(await factory.SignAsync());
        await factory.SealAsync(7);
        var newer = new CheckpointVerifier(key).Verify(await factory.SignAsync());
        Assert.True(newer.TreeSize > older.TreeSize);

        var proof = await factory.GetJsonAsync($"api/ledger/proofs/consistency?from={older.TreeSize}&to={newer.TreeSize}");
        Assert.Equal(older.TreeSize, proof.GetProperty("firstSize").GetInt64());
        Assert.Equal(newer.TreeSize, proof.GetProperty("secondSize").GetInt64());
        var hashes = LedgerApiFactory.Hashes(proof);
        Assert.True(ProofVerifier.VerifyConsistency(older.TreeSize, newer.TreeSize, older.RootHash, newer.RootHash, hashes));
        // 'to' defaults to the latest checkpoint.
        Assert.Equal(proof.ToString(), (await factory.GetJsonAsync($"api/ledger/proofs/consistency?from={older.TreeSize}")).ToString());
        // The same proof does not vouch for a different older root.
        var wrongRoot = (byte[])older.RootHash.Clone();
        wrongRoot[0] ^= 1;
        Assert.False(ProofVerifier.VerifyConsistency(older.TreeSize, newer.TreeSize, wrongRoot, newer.RootHash, hashes));
    }

    [Fact]
    public async Task Bad_parameters_get_problems_never_a_500()
    {
        await factory.SealAsync(4);
        await factory.SignAsync();
        var size = (await new LedgerReader(factory.DataSource).GetStateAsync()).TreeSize;
        var beyond = size + 10;
        var cases = new (string Path, HttpStatusCode Status, string Code)[]
        {
            ("api/ledger/leaves/abc", HttpStatusCode.BadRequest, "malformed-request"),
            ("api/ledger/leaves/-1", HttpStatusCode.BadRequest, "malformed-request"),
            ($"api/ledger/leaves/{beyond}", HttpStatusCode.NotFound, "not-found"),
            ("api/ledger/leaves", HttpStatusCode.BadRequest, "malformed-request"),
            ("api/ledger/leaves?position=x", HttpStatusCode.BadRequest, "malformed-request"),
            ("api/ledger/leaves?position=999999999", HttpStatusCode.NotFound, "not-found"),
            ("api/ledger/leaves?position=1&limit=3", HttpStatusCode.BadRequest, "malformed-request"),
            ("api/ledger/proofs/inclusion", HttpStatusCode.BadRequest, "malformed-request"),
            ("api/ledger/proofs/inclusion?index=0&position=1", HttpStatusCode.BadRequest, "malformed-request"),
            ("api/ledger/proofs/inclusion?index=1.5", HttpStatusCode.BadRequest, "malformed-request"),
            ("api/ledger/proofs/inclusion?index=0&treeSize=many", HttpStatusCode.BadRequest, "malformed-request"),
            ($"api/ledger/proofs/inclusion?index=0&treeSize={beyond}", HttpStatusCode.Conflict, "beyond-tree-head"),
            ($"api/ledger/proofs/inclusion?index={beyond}", HttpStatusCode.NotFound, "not-found"),
            ("api/ledger/proofs/inclusion?position=999999999", HttpStatusCode.NotFound, "not-found"),
            ("api/ledger/proofs/inclusion?index=3&treeSize=2", HttpStatusCode.UnprocessableEntity, "validation-failed"),
            ("api/ledger/proofs/inclusion?index=0&treeSize=0", HttpStatusCode.UnprocessableEntity, "validation-failed"),
            ("api/ledger/proofs/consistency", HttpStatusCode.BadRequest, "malformed-request"),
            ("api/ledger/proofs/consistency?from=a&to=2", HttpStatusCode.BadRequest, "malformed-request"),
            ("api/ledger/proofs/consistency?from=1&to=-2", HttpStatusCode.BadRequest, "malformed-request"),
            ("api/ledger/proofs/consistency?from=3&to=2", HttpStatusCode.UnprocessableEntity, "validation-failed"),
            ($"api/ledger/proofs/consistency?from=1&to={beyond}", HttpStatusCode.Conflict, "beyond-tree-head"),
            ($"api/ledger/proofs/consistency?from={beyond}", HttpStatusCode.Conflict, "beyond-tree-head"),
        };
        foreach (var (path, status, code) in cases)
        {
            using var response = await factory.Http.GetAsync(new Uri(path, UriKind.Relative));
            var problem = await ProblemAssert.IsProblemAsync(response, status, code);
            if (code == "beyond-tree-head")
                Assert.Equal(size, problem.GetProperty("treeSize").GetInt64());
        }
        using var described = await factory.Http.GetAsync(new Uri("problems/beyond-tree-head", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, described.StatusCode);
    }
}
