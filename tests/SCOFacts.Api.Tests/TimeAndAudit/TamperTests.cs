using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SCOFacts.Testing;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.TimeAndAudit;

/// <summary>
/// Tamper evidence end to end: a superuser's change to the log is reported at exactly the changed event by the
/// HTTP verifier and the CLI, an honest extension verifies against a kept digest, and a proof can be checked by hand.
/// Each scenario gets its own app and database.
/// </summary>
public sealed class TamperTests
{
    private const string Fact = "ta.share";
    private const string Stream = "fact-" + Fact;

    private static async Task<ApiFactory> StartAsync()
    {
        var factory = new ApiFactory();
        await factory.InitializeAsync();
        await RegisterSourceAsync(factory, "ta-wire", "Wire");
        await RegisterSourceAsync(factory, "ta-paper", "Paper");
        await DefineQuantityAsync(factory, Fact, "percent");
        await RecordAsync(factory.Checker, Fact, "ta-1", "ta-wire", Quantity("44", "percent"), At("2025"));
        await RecordAsync(factory.Checker, Fact, "ta-2", "ta-paper", Quantity("44", "percent"), At("2025"));
        await RecordAsync(factory.Checker, Fact, "ta-3", "ta-paper", Quantity("45", "percent"), At("2024"));
        return factory;
    }

    private static async Task StopAsync(ApiFactory factory) => await ((IAsyncLifetime)factory).DisposeAsync();

    private static Task<long> PositionAsync(ApiFactory factory, int version) =>
        ScalarAsync(factory, $"SELECT global_position FROM events WHERE stream_id = '{Stream}' AND stream_version = {version}");

    private static async Task AssertReportedAtAsync(ApiFactory factory, int version)
    {
        await GetAsync(factory.Anonymous, "/api/audit/verify", HttpStatusCode.Unauthorized);
        await GetAsync(factory.Checker, "/api/audit/verify", HttpStatusCode.Forbidden);

        var result = await GetAsync(factory.Auditor, "/api/audit/verify");
        Assert.False(result.GetProperty("valid").GetBoolean());
        var broken = Assert.Single(result.GetProperty("breaks").EnumerateArray());
        Assert.Equal((Stream, version), (broken.GetProperty("streamId").GetString(), broken.GetProperty("streamVersion").GetInt64()));
        Assert.Equal(broken.GetRawText(), result.GetProperty("firstBreak").GetRawText());

        var (exitCode, output, error) = await CliAsync(factory, "audit", "verify");
        Assert.True(exitCode is not null and not 0, $"exit {exitCode}: {output} {error}");
        var line = Assert.Single(output.Split('\n'), l => l.StartsWith("BROKEN", StringComparison.Ordinal));
        Assert.StartsWith($"BROKEN: stream {Stream} version {version} ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_honest_log_verifies_over_http_and_in_the_cli()
    {
        var factory = await StartAsync();
        try
        {
            var result = await GetAsync(factory.Auditor, "/api/audit/verify");
            Assert.True(result.GetProperty("valid").GetBoolean(), result.GetRawText());
            Assert.Equal(6, result.GetProperty("eventsChecked").GetInt64());
            Assert.Equal(JsonValueKind.Null, result.GetProperty("extendsDigest").ValueKind);
            var (exitCode, output, _) = await CliAsync(factory, "audit", "verify");
            Assert.Equal(0, exitCode);
            Assert.DoesNotContain("BROKEN", output, StringComparison.Ordinal);
        }
        finally
        {
            await StopAsync(factory);
        }
    }

    [Fact]
    public async Task Altered_data_is_reported_at_exactly_that_event()
    {
        var factory = await StartAsync();
        try
        {
            var target = await PositionAsync(factory, 3);
            await TamperAsync(factory, $"UPDATE events SET data = jsonb_set(data, '{{quote}}', '\"Forged words.\"') WHERE global_position = {target}");
            await AssertReportedAtAsync(factory, 3);
        }
        finally
        {
            await StopAsync(factory);
        }
    }

    [Fact]
    public async Task A_deleted_event_is_reported_at_its_version()
    {
        var factory = await StartAsync();
        try
        {
            var target = await PositionAsync(factory, 2);
            await TamperAsync(factory, $"DELETE FROM events WHERE global_position = {target}");
            await AssertReportedAtAsync(factory, 2);
        }
        finally
        {
            await StopAsync(factory);
        }
    }

    [Fact]
    public async Task Two_reordered_events_are_reported_at_the_first_of_them()
    {
        var factory = await StartAsync();
        try
        {
            var second = await PositionAsync(factory, 2);
            var third = await PositionAsync(factory, 3);
            await TamperAsync(factory,
                $"UPDATE events SET stream_version = stream_version + 1000 WHERE global_position IN ({second}, {third}); " +
                $"UPDATE events SET stream_version = CASE WHEN global_position = {second} THEN 3 ELSE 2 END WHERE global_position IN ({second}, {third})");
            await AssertReportedAtAsync(factory, 2);
        }
        finally
        {
            await StopAsync(factory);
        }
    }

    private static async Task<JsonElement> DigestCoveringAsync(ApiFactory factory, long events)
    {
        JsonElement digest = default;
        await Wait.UntilAsync(async () =>
        {
            using var response = await factory.Anonymous.GetAsync(new Uri("/api/audit/digest", UriKind.Relative));
            if (response.StatusCode != HttpStatusCode.OK) return false;
            digest = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            return digest.GetProperty("eventCount").GetInt64() == events;
        }, TimeSpan.FromSeconds(60), $"the daemon keeps a digest of {events} events");
        return digest;
    }

    [Fact]
    public async Task An_honest_extension_verifies_against_a_kept_digest_and_a_proof_recomputes_to_it()
    {
        var factory = await StartAsync();
        try
        {
            var kept = await DigestCoveringAsync(factory, 6);
            var token = kept.GetProperty("token").GetString()!;
            Assert.EndsWith("." + kept.GetProperty("hash").GetString(), token, StringComparison.Ordinal);

            await RecordAsync(factory.Checker, Fact, "ta-4", "ta-wire", Quantity("45", "percent"), At("2024"));
            var verified = await GetAsync(factory.Auditor, $"/api/audit/verify?from={Uri.EscapeDataString(token)}");
            Assert.True(verified.GetProperty("valid").GetBoolean(), verified.GetRawText());
            Assert.True(verified.GetProperty("extendsDigest").GetBoolean());
            await GetAsync(factory.Auditor, "/api/audit/verify?from=not-a-token", HttpStatusCode.BadRequest);

            // The CLI takes the digest as the API gave it.
            var file = Path.GetTempFileName();
            try
            {
                await File.WriteAllTextAsync(file, kept.GetRawText());
                var (exitCode, output, error) = await CliAsync(factory, "audit", "verify", "--from", file);
                Assert.True(exitCode == 0, $"exit {exitCode}: {output} {error}");
                Assert.Contains("The log extends the given digest.", output, StringComparison.Ordinal);

                await File.WriteAllTextAsync(file, token);
                Assert.Equal(0, (await CliAsync(factory, "audit", "verify", "--from", file)).ExitCode);

                await File.WriteAllTextAsync(file, "{\"position\": \"not a digest\"}");
                var garbage = await CliAsync(factory, "audit", "verify", "--from", file);
                Assert.True(garbage.ExitCode == 2, $"exit {garbage.ExitCode}: {garbage.Out} {garbage.Error}");
            }
            finally
            {
                File.Delete(file);
            }

            var later = await DigestCoveringAsync(factory, 7);
            var proof = await GetAsync(factory.Anonymous, $"/api/facts/{Fact}/proof?digest={Uri.EscapeDataString(later.GetProperty("token").GetString()!)}");
            AssertProofRecomputes(proof, Stream, later.GetProperty("token").GetString()!);

            var latest = await GetAsync(factory.Anonymous, $"/api/facts/{Fact}/proof");
            AssertProofRecomputes(latest, Stream, latest.GetProperty("digest").GetProperty("token").GetString()!);
            await GetAsync(factory.Anonymous, "/api/facts/no.such-fact/proof", HttpStatusCode.NotFound);
            await GetAsync(factory.Anonymous, $"/api/facts/{Fact}/proof?digest=1.2.3", HttpStatusCode.BadRequest);
        }
        finally
        {
            await StopAsync(factory);
        }
    }

    /// <summary>Recomputes every hash of the proof by the rule it states, and the digest from the hash list.</summary>
    private static void AssertProofRecomputes(JsonElement proof, string streamId, string token)
    {
        Assert.Equal(streamId, proof.GetProperty("streamId").GetString());
        Assert.Contains("SHA-256", proof.GetProperty("hashRule").GetString(), StringComparison.Ordinal);
        var logHashes = proof.GetProperty("logHashes").EnumerateArray().Select(h => h.GetString()!).ToList();
        var previous = "";
        var events = proof.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, events.Count).Select(v => (long)v), events.Select(e => e.GetProperty("streamVersion").GetInt64()));
        foreach (var e in events)
        {
            Assert.Equal(previous, e.GetProperty("previousHash").GetString());
            var text = string.Join('\n',
                previous,
                e.GetProperty("globalPosition").GetInt64().ToString(CultureInfo.InvariantCulture),
                e.GetProperty("transactionId").GetUInt64().ToString(CultureInfo.InvariantCulture),
                streamId,
                e.GetProperty("streamVersion").GetInt64().ToString(CultureInfo.InvariantCulture),
                e.GetProperty("eventType").GetString(),
                e.GetProperty("data").GetString(),
                e.GetProperty("metadata").GetString(),
                e.GetProperty("recordedAtMicros").GetInt64().ToString(CultureInfo.InvariantCulture));
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
            Assert.Equal(hash, e.GetProperty("hash").GetString());
            var index = e.GetProperty("logIndex").GetInt64();
            Assert.True(index >= 1, "the digest covers every event of the fact");
            Assert.Equal(hash, logHashes[(int)index - 1]);
            previous = hash;
        }

        var digest = new byte[32];
        foreach (var h in logHashes) digest = SHA256.HashData([.. digest, .. Convert.FromHexString(h)]);
        var recomputed = Convert.ToHexStringLower(digest);
        Assert.Equal(token.Split('.')[3], recomputed);
        Assert.Equal(proof.GetProperty("digest").GetProperty("hash").GetString(), recomputed);
        Assert.Equal(proof.GetProperty("digest").GetProperty("eventCount").GetInt64(), logHashes.Count);
    }
}
