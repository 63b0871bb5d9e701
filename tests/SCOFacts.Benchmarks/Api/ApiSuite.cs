extern alias api;

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using SCOFacts.Benchmarks.EventStoreBench;
using SCOFacts.EventStore.Hosting;
using ApiKeyStore = api::SCOFacts.Api.Platform.ApiKeyStore;
using ApiProgram = api::Program;

namespace SCOFacts.Benchmarks.ApiBench;

/// <summary>
/// The API's own rows, each against a baseline measured in the same run on the real host (Kestrel on a loopback port,
/// a throwaway cluster): <c>GET /api/facts/{id}</c> at 16 connections against <c>/health/live</c> at 16 connections,
/// its p99, recording a claim on a fact with many claims against one with three, requests interleaved one by one,
/// and 16 clients posting claims to one fact with no If-Match (the share answered 2xx, and the rate against 16
/// clients each posting to a fact of its own).
/// </summary>
internal static class ApiSuite
{
    private const int Connections = 16;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(bool quick)
    {
#if DEBUG
        Console.WriteLine("WARNING: a Debug build; run with -c Release for numbers worth keeping.");
#endif
        var bigClaims = quick ? 150 : 1500;
        var duration = TimeSpan.FromSeconds(quick ? 3 : 10);
        var rounds = quick ? 20 : 100;
        await using var cluster = LocalPostgresCluster.CreateThrowaway(new LocalPostgresClusterOptions());
        await cluster.StartAsync();
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE bench_api", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "bench_api" }.ConnectionString;

        await using var host = new Host(connectionString);
        host.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        host.StartServer();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var key = (await host.Services.GetRequiredService<ApiKeyStore>().CreateAsync("bench", "editor")).Key;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Connections }) { BaseAddress = new Uri(address) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);

        for (var s = 0; s < 10; s++)
            await PostAsync(http, "/api/sources", new { id = $"bench-src-{s}", title = $"Bench source {s}", publisher = $"Publisher {s}", kind = "news", language = "en" });
        const string small = "bench.small-share";
        const string big = "bench.big-share";
        await DefineAsync(http, small);
        await DefineAsync(http, big);
        for (var c = 0; c < 3; c++) await ClaimAsync(http, small, $"small-{c}", c);
        var loading = Stopwatch.StartNew();
        for (var c = 0; c < bigClaims; c++) await ClaimAsync(http, big, $"big-{c}", c);
        Console.WriteLine(string.Create(Inv, $"API benchmark: {bigClaims} claims recorded on one fact in {loading.Elapsed.TotalSeconds:F1} s; {Connections} connections, {duration.TotalSeconds:F0} s per load row"));

        // Warm both paths, then measure each under the same load.
        await LoadAsync(http, "/health/live", TimeSpan.FromSeconds(1));
        await LoadAsync(http, $"/api/facts/{small}", TimeSpan.FromSeconds(1));
        var live = await LoadAsync(http, "/health/live", duration);
        var read = await LoadAsync(http, $"/api/facts/{small}", duration);

        var smallPosts = new List<double>();
        var bigPosts = new List<double>();
        for (var round = -5; round < rounds; round++)
        {
            var n = bigClaims + 10 + round;
            var a = await TimedClaimAsync(http, small, $"small-r{round + 5}", n);
            var b = await TimedClaimAsync(http, big, $"big-r{round + 5}", n);
            if (round < 0) continue;
            smallPosts.Add(a);
            bigPosts.Add(b);
        }
        // Writers on one fact against writers on a fact each, both from freshly defined facts for the same time.
        const string shared = "bench.one-fact";
        await DefineAsync(http, shared);
        for (var c = 0; c < Connections; c++) await DefineAsync(http, $"bench.own-fact-{c}");
        await PostLoadAsync(http, c => $"bench.own-fact-{c}", "warm", TimeSpan.FromSeconds(1));
        var distinct = await PostLoadAsync(http, c => $"bench.own-fact-{c}", "own", duration);
        var oneFact = await PostLoadAsync(http, _ => shared, "one", duration);

        smallPosts.Sort();
        bigPosts.Sort();
        var smallP50 = Writers.Percentile(smallPosts, 50);
        var bigP50 = Writers.Percentile(bigPosts, 50);

        Console.WriteLine();
        Console.WriteLine("## API benchmark");
        Console.WriteLine();
        Console.WriteLine("| # | Row | Measured | Baseline (same run) | Ratio | Target |");
        Console.WriteLine("|---|---|---:|---:|---:|---|");
        Console.WriteLine(string.Create(Inv,
            $"| A1 | GET /api/facts/{{id}} (3 claims) rps, {Connections} connections, vs /health/live | {read.Rps:F0} rps | {live.Rps:F0} rps | {read.Rps / live.Rps:F3}x | >= 0.20x |"));
        Console.WriteLine(string.Create(Inv,
            $"| A2 | GET /api/facts/{{id}} p50 / p99, {Connections} connections | {read.P50:F2} / {read.P99:F2} ms | /health/live {live.P50:F2} / {live.P99:F2} ms | | p99 < 5 ms |"));
        Console.WriteLine(string.Create(Inv,
            $"| A3 | POST claim on a {bigClaims}-claim fact vs a 3-claim fact, p50 (p95), sequential | {bigP50:F1} ({Writers.Percentile(bigPosts, 95):F1}) ms | {smallP50:F1} ({Writers.Percentile(smallPosts, 95):F1}) ms | {bigP50 / smallP50:F2}x | within 1.5x |"));
        Console.WriteLine(string.Create(Inv,
            $"| A4 | POST claim, {Connections} clients on one fact, no If-Match: share of 2xx | {oneFact.Share:P2} ({oneFact.Ok}/{oneFact.Total}) | {Connections} facts: {distinct.Share:P2} | | 100% |"));
        Console.WriteLine(string.Create(Inv,
            $"| A5 | POST claim, {Connections} clients on one fact, no If-Match: rps vs {Connections} clients on distinct facts | {oneFact.Rps:F0} rps | {distinct.Rps:F0} rps | {oneFact.Rps / distinct.Rps:F2}x | >= 0.5x |"));
        Console.WriteLine();
        return 0;
    }

    private sealed record PostLoad(int Ok, int Total, double Rps)
    {
        public double Share => Total == 0 ? 0 : (double)Ok / Total;
    }

    // Connections clients, each posting claims one after the other for the whole duration to the fact it is given;
    // every answer counts, 2xx or not, and the rate is of 2xx answers.
    private static async Task<PostLoad> PostLoadAsync(HttpClient http, Func<int, string> factOf, string tag, TimeSpan duration)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var began = Stopwatch.GetTimestamp();
        var perClient = await Task.WhenAll(Enumerable.Range(0, Connections).Select(async client =>
        {
            var (ok, total) = (0, 0);
            for (var n = 0; Stopwatch.GetTimestamp() < until; n++)
            {
                var factId = factOf(client);
                using var response = await http.PostAsJsonAsync($"/api/facts/{factId}/claims", ClaimBody($"{tag}-{client}-{n}", n));
                await response.Content.ReadAsByteArrayAsync();
                total++;
                if (response.IsSuccessStatusCode) ok++;
            }
            return (ok, total);
        }));
        var elapsed = Stopwatch.GetElapsedTime(began).TotalSeconds;
        var okAll = perClient.Sum(p => p.ok);
        return new PostLoad(okAll, perClient.Sum(p => p.total), okAll / elapsed);
    }

    private sealed record Load(double Rps, double P50, double P99);

    // Connections clients, each sending one request after the other for the whole duration, timed to the last body byte.
    private static async Task<Load> LoadAsync(HttpClient http, string path, TimeSpan duration)
    {
        var uri = new Uri(path, UriKind.Relative);
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var began = Stopwatch.GetTimestamp();
        var perClient = await Task.WhenAll(Enumerable.Range(0, Connections).Select(async _ =>
        {
            var times = new List<double>();
            while (Stopwatch.GetTimestamp() < until)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseContentRead);
                response.EnsureSuccessStatusCode();
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            return times;
        }));
        var elapsed = Stopwatch.GetElapsedTime(began).TotalSeconds;
        var all = perClient.SelectMany(t => t).Order().ToList();
        return new Load(all.Count / elapsed, Writers.Percentile(all, 50), Writers.Percentile(all, 99));
    }

    private static Task DefineAsync(HttpClient http, string id) => PostAsync(http, "/api/facts", new
    {
        id, subject = "bench", property = id["bench.".Length..], valueType = "quantity", unit = "percent", description = "A benchmark fact",
    });

    // Claims spread over 25 years and 10 sources, a few figures each year: the shape of a long-tracked statistic.
    private static Task ClaimAsync(HttpClient http, string factId, string id, int n) => PostAsync(http, $"/api/facts/{factId}/claims", ClaimBody(id, n));

    private static object ClaimBody(string id, int n) => new
    {
        id, sourceId = $"bench-src-{n % 10}",
        value = new { kind = "quantity", amount = (40 + (n % 7)).ToString(Inv), unit = "percent", approx = "about" },
        validTime = new { at = (2001 + (n % 25)).ToString(Inv) }, quote = $"About {40 + (n % 7)} percent, says source {n % 10}.",
    };

    private static async Task<double> TimedClaimAsync(HttpClient http, string factId, string id, int n)
    {
        var began = Stopwatch.GetTimestamp();
        await ClaimAsync(http, factId, id, n);
        return Stopwatch.GetElapsedTime(began).TotalMilliseconds;
    }

    private static async Task PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The API's real Program on a database of its own, quiet, with no seeds, no bootstrap key and no rate limits.</summary>
    private sealed class Host(string connectionString) : WebApplicationFactory<ApiProgram>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:SCOFacts"] = connectionString,
                ["Bootstrap:CreateEditorKey"] = "false",
                ["RateLimits:Enabled"] = "false",
                ["Seeds:LoadOnStart"] = "false",
            }));
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        }
    }
}
