using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SCOFacts.Api.Ledger;
using SCOFacts.Ledger;
using SCOFacts.Ledger.Verifier;

namespace SCOFacts.Api.Tests.Ledger;

/// <summary>
/// The app on a real Kestrel port (the verify verb talks HTTP like any client), its ledger filled directly through
/// <see cref="LedgerSealer"/> with synthetic events, so the endpoints are tested on whatever the ledger tables hold.
/// </summary>
public class LedgerApiFactory : ApiFactory
{
    private long _sealedThrough;

    private readonly string? _keyPath;

    public LedgerApiFactory() => UseKestrel(0);

    /// <summary>A host signing with the key at <paramref name="keyPath"/>, shared with another host: one key over two databases.</summary>
    internal LedgerApiFactory(string keyPath)
        : this() => _keyPath = keyPath;

    public override string LedgerKeyPath => _keyPath ?? base.LedgerKeyPath;

    /// <summary>An anonymous client for the address Kestrel listens on.</summary>
    public HttpClient Http { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Http = new HttpClient { BaseAddress = BaseAddress };
    }

    /// <summary>Where the app listens, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");

    /// <summary>Every entry sealed so far through this factory, in leaf order.</summary>
    public List<LedgerEntry> Sealed { get; } = [];

    /// <summary>Seals <paramref name="count"/> more synthetic events, at positions that skip numbers as a real log's may.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> SealAsync(int count, string stream = "fact-ledger.test")
    {
        var entries = new List<LedgerEntry>(count);
        var position = _sealedThrough;
        for (var i = 0; i < count; i++)
        {
            position += i % 5 == 4 ? 2 : 1;
            entries.Add(Entry(position, stream));
        }
        await SealAsync(entries);
        return entries;
    }

    /// <summary>Seals these entries, which follow what was sealed before.</summary>
    public async Task SealAsync(IReadOnlyList<LedgerEntry> entries)
    {
        await new LedgerSealer(DataSource).SealAsync(LedgerBatch.Of(_sealedThrough, entries));
        _sealedThrough = entries[^1].Position;
        Sealed.AddRange(entries);
    }

    /// <summary>One synthetic event as the sealer takes it.</summary>
    public static LedgerEntry Entry(long position, string stream, string quote = "a quote") =>
        new(position, Guid.NewGuid(), stream, position, "ClaimRecorded",
            DateTimeOffset.UnixEpoch.AddTicks(1_764_547_200_000_000L * 10 + position * 1_000_010L),
            $$"""{"quote": "{{quote}} {{position}}", "value": {{position}}}""", """{"userName": "checker:test"}""");

    /// <summary>Signs the current tree now and returns the checkpoint the API serves.</summary>
    public async Task<string> SignAsync()
    {
        await Services.GetRequiredService<LedgerCheckpointSigner>().SignNowAsync();
        return await GetTextAsync("api/ledger/checkpoint");
    }

    public async Task<string> GetTextAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The served verifier key, parsed by the verifier.</summary>
    public async Task<VerifierKey> VerifierKeyAsync() => VerifierKey.Parse((await GetTextAsync(LedgerApi.KeyPath.TrimStart('/'))).TrimEnd('\n'));

    public static List<byte[]> Hashes(JsonElement proof) => proof.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList();

}
