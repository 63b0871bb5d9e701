using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using SCOFacts.Ledger.Verifier;

namespace SCOFacts.Api.Cli;

/// <summary>
/// <c>ledger verify</c>: an auditor's check of a running API's ledger that trusts nothing but a verifier key and a
/// checkpoint kept from an earlier run. Every check is made by <c>SCOFacts.Ledger.Verifier</c>, never by the code
/// that built the proofs, and no database is involved: what the API says is only believed once it verifies.
/// </summary>
internal sealed class LedgerVerb : ICliVerb
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public string Name => "ledger";

    public string Usage => """
          ledger verify --key KEYFILE_OR_URL --checkpoint FILE [--url BASE] [--event POSITION]
                                                         check the API's latest signed checkpoint with the key, and that it extends the
                                                         checkpoint kept in FILE (kept there on first use, replaced once proved consistent);
                                                         --event also checks that the event at POSITION is in it. --url defaults to the key URL's host
        """;

    public bool UsesDatabase(IReadOnlyList<string> arguments) => false;

    public async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (arguments.Count == 0 || arguments[0] != "verify")
            throw new CliUsageException("ledger needs: verify.");
        var keySource = CliArguments.RequiredOption(arguments, "--key");
        var keptPath = CliArguments.RequiredOption(arguments, "--checkpoint");
        var baseUrl = BaseAddress(CliArguments.Option(arguments, "--url"), keySource);
        long? eventPosition = null;
        if (CliArguments.Option(arguments, "--event") is { } eventText)
        {
            if (!long.TryParse(eventText, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
                throw new CliUsageException($"--event takes an event's position, a whole number; not '{eventText}'.");
            eventPosition = position;
        }
        if (!IsUrl(keySource) && !File.Exists(keySource))
            throw new CliUsageException($"There is no key file '{keySource}'.");

        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = RequestTimeout };
        var check = new Check(context, http);
        try
        {
            return await check.RunAsync(keySource, keptPath, eventPosition, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            await context.Error.WriteLineAsync($"FAILED: could not reach {baseUrl}: {e.Message}");
            return CliVerbs.Failure;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync($"FAILED: {baseUrl} did not answer within {RequestTimeout.TotalSeconds:0} s.");
            return CliVerbs.Failure;
        }
    }

    private static bool IsUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static Uri BaseAddress(string? url, string keySource)
    {
        if (url is not null)
        {
            if (!IsUrl(url))
                throw new CliUsageException($"--url takes the API's base address, e.g. http://localhost:5080; not '{url}'.");
            return new Uri(url.TrimEnd('/') + "/");
        }
        if (IsUrl(keySource))
            return new Uri(new Uri(keySource).GetLeftPart(UriPartial.Authority) + "/");
        throw new CliUsageException("--url is required when --key is a file.");
    }

    /// <summary>One verification run; every failure is reported as one line on standard error and exit code 1.</summary>
    private sealed class Check(CliContext context, HttpClient http)
    {
        public async Task<int> RunAsync(string keySource, string keptPath, long? eventPosition, CancellationToken cancellationToken)
        {
            var keyText = IsUrl(keySource)
                ? await GetTextAsync(keySource, cancellationToken)
                : await File.ReadAllTextAsync(keySource, cancellationToken);
            if (keyText is null)
                return CliVerbs.Failure;
            if (!VerifierKey.TryParse(keyText.Trim(), out var key))
                return await FailAsync($"'{keySource}' does not hold an Ed25519 verifier key (name+hash+base64).");
            await context.Out.WriteLineAsync($"Key: {key.Text}");
            var verifier = new CheckpointVerifier(key);

            Checkpoint? kept = null;
            if (File.Exists(keptPath))
            {
                if (!verifier.TryVerify(await File.ReadAllTextAsync(keptPath, cancellationToken), out kept, out var keptError))
                    return await FailAsync($"the kept checkpoint {keptPath} does not verify with this key: {keptError}.");
                await context.Out.WriteLineAsync($"Kept checkpoint: {kept.TreeSize} leaves, root {Convert.ToBase64String(kept.RootHash)}.");
            }
            else
            {
                await context.Out.WriteLineAsync($"No checkpoint kept in {keptPath} yet: the latest one is trusted on first use.");
            }

            if (await GetTextAsync("api/ledger/checkpoint", cancellationToken) is not { } note)
                return CliVerbs.Failure;
            if (!verifier.TryVerify(note, out var latest, out var error))
                return await FailAsync($"the API's latest checkpoint does not verify: {error}.");
            await context.Out.WriteLineAsync($"Latest checkpoint: {latest.TreeSize} leaves, root {Convert.ToBase64String(latest.RootHash)}, signature valid.");

            if (kept is not null)
            {
                if (latest.TreeSize < kept.TreeSize)
                    return await FailAsync($"the log shrank: the latest checkpoint has {latest.TreeSize} leaves, the kept one {kept.TreeSize}.");
                if (await GetJsonAsync(Invariant($"api/ledger/proofs/consistency?from={kept.TreeSize}&to={latest.TreeSize}"), cancellationToken) is not { } consistency)
                    return CliVerbs.Failure;
                if (!TryHashes(consistency, out var hashes)
                    || !ProofVerifier.VerifyConsistency(kept.TreeSize, latest.TreeSize, kept.RootHash, latest.RootHash, hashes))
                {
                    return await FailAsync(
                        $"the latest checkpoint ({latest.TreeSize} leaves) is not proved to extend the kept one ({kept.TreeSize} leaves): the log's history differs from what was kept.");
                }
                await context.Out.WriteLineAsync($"Consistent: the tree of {latest.TreeSize} leaves extends the kept tree of {kept.TreeSize} ({hashes.Count} hashes).");
            }

            if (eventPosition is { } position)
            {
                if (await GetJsonAsync(Invariant($"api/ledger/proofs/inclusion?position={position}&treeSize={latest.TreeSize}"), cancellationToken) is not { } inclusion)
                    return CliVerbs.Failure;
                if (!TryInclusion(inclusion, out var leafIndex, out var leafHash, out var hashes)
                    || !ProofVerifier.VerifyInclusion(leafHash, leafIndex, latest.TreeSize, hashes, latest.RootHash))
                    return await FailAsync($"the inclusion proof for the event at position {position} does not verify against the latest checkpoint.");
                await context.Out.WriteLineAsync(
                    $"Included: the event at position {position} is leaf {leafIndex} (hash {Convert.ToBase64String(leafHash)}) of the tree of {latest.TreeSize} leaves ({hashes.Count} hashes).");
            }

            if (kept is null || latest.TreeSize > kept.TreeSize)
            {
                await KeepAsync(keptPath, note, cancellationToken);
                await context.Out.WriteLineAsync($"Kept the checkpoint of {latest.TreeSize} leaves in {keptPath}.");
            }
            await context.Out.WriteLineAsync("OK");
            return CliVerbs.Success;
        }

        private async Task<int> FailAsync(string reason)
        {
            await context.Error.WriteLineAsync("FAILED: " + reason);
            return CliVerbs.Failure;
        }

        private async Task<string?> GetTextAsync(string address, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, address);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
            return await SendAsync(request, cancellationToken);
        }

        private async Task<JsonElement?> GetJsonAsync(string address, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, address);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (await SendAsync(request, cancellationToken) is not { } body)
                return null;
            try
            {
                using var document = JsonDocument.Parse(body);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                await FailAsync($"{address} did not answer with JSON.");
                return null;
            }
        }

        private async Task<string?> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
                return body;
            await FailAsync($"GET {request.RequestUri} answered {(int)response.StatusCode}: {DetailOf(body)}");
            return null;
        }

        private static string DetailOf(string body)
        {
            try
            {
                using var problem = JsonDocument.Parse(body);
                if (problem.RootElement.ValueKind == JsonValueKind.Object && problem.RootElement.TryGetProperty("detail", out var detail) && detail.GetString() is { } text)
                    return text;
            }
            catch (JsonException)
            {
                // Not a problem document: the body itself says what went wrong.
            }
            return body.Length > 200 ? body[..200] : body;
        }

        private static bool TryHashes(JsonElement body, out List<byte[]> hashes)
        {
            hashes = [];
            if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("hashes", out var list) || list.ValueKind != JsonValueKind.Array)
                return false;
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || !TryBase64(item.GetString()!, out var hash))
                    return false;
                hashes.Add(hash);
            }
            return true;
        }

        private static bool TryInclusion(JsonElement body, out long leafIndex, out byte[] leafHash, out List<byte[]> hashes)
        {
            leafIndex = -1;
            leafHash = [];
            return TryHashes(body, out hashes)
                && body.TryGetProperty("leafIndex", out var index) && index.ValueKind == JsonValueKind.Number && index.TryGetInt64(out leafIndex)
                && body.TryGetProperty("leafHash", out var hash) && hash.ValueKind == JsonValueKind.String && TryBase64(hash.GetString()!, out leafHash);
        }

        private static bool TryBase64(string text, out byte[] bytes)
        {
            bytes = new byte[TreeHashes.Size];
            return Convert.TryFromBase64String(text, bytes, out var written) && written == TreeHashes.Size;
        }

        // The kept checkpoint is replaced whole or not at all: a run cut short never leaves half a file to distrust.
        private static async Task KeepAsync(string path, string note, CancellationToken cancellationToken)
        {
            var full = Path.GetFullPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var temporary = full + ".tmp";
            await File.WriteAllTextAsync(temporary, note, cancellationToken);
            File.Move(temporary, full, overwrite: true);
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
