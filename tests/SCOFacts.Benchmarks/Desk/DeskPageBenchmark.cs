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

namespace SCOFacts.Benchmarks.Desk;

/// <summary>
/// The desk's page for a fact with 100 claims against the plain <c>GET /api/facts/{id}</c> of the same fact, in the
/// same run: the real host on a Kestrel loopback port, a throwaway cluster, requests interleaved one by one, each
/// timed to its last body byte. The page does more (the timeline, and the history replayed with the verdict after
/// every event); the target is under 200 ms at the median.
/// </summary>
internal static class DeskPageBenchmark
{
    private const int Claims = 100;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(bool quick)
    {
#if DEBUG
        Console.WriteLine("WARNING: a Debug build; run with -c Release for numbers worth keeping.");
#endif
        var rounds = quick ? 20 : 200;
        await using var cluster = LocalPostgresCluster.CreateThrowaway(new LocalPostgresClusterOptions());
        await cluster.StartAsync();
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE bench_desk", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "bench_desk" }.ConnectionString;

        await using var host = new Host(connectionString);
        host.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        host.StartServer();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var key = (await host.Services.GetRequiredService<ApiKeyStore>().CreateAsync("bench", "editor")).Key;
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);

        const string factId = "bench.population-share";
        await PostAsync(http, "/api/facts", new
        {
            id = factId, subject = "bench", property = "population-share", valueType = "quantity", unit = "percent",
            description = "A benchmark fact with many claims",
        });
        for (var s = 0; s < 10; s++)
            await PostAsync(http, "/api/sources", new { id = $"bench-src-{s}", title = $"Bench source {s}", publisher = $"Publisher {s}", kind = "news", language = "en" });
        for (var c = 0; c < Claims; c++)
        {
            await PostAsync(http, $"/api/facts/{factId}/claims", new
            {
                id = $"bench-claim-{c}", sourceId = $"bench-src-{c % 10}",
                value = new { kind = "quantity", amount = (40 + (c % 7)).ToString(Inv), unit = "percent", approx = "about" },
                validTime = new { at = (2001 + (c % 25)).ToString(Inv) }, quote = $"About {40 + (c % 7)} percent of the world's people, says source {c % 10}.",
            });
        }

        Console.WriteLine($"Desk page benchmark: a fact with {Claims} claims, {rounds} interleaved rounds after 20 warm-up rounds");
        var page = new List<double>();
        var plain = new List<double>();
        for (var round = -20; round < rounds; round++)
        {
            var p = await TimeAsync(http, $"/facts/{factId}");
            var a = await TimeAsync(http, $"/api/facts/{factId}");
            if (round < 0) continue;
            page.Add(p);
            plain.Add(a);
        }
        page.Sort();
        plain.Sort();
        double P(List<double> sorted, double pct) => Writers.Percentile(sorted, pct);
        Console.WriteLine();
        Console.WriteLine("## Desk benchmark");
        Console.WriteLine();
        Console.WriteLine("| # | Workload | Desk page p50 / p95 ms | Plain GET p50 / p95 ms | Page/GET at p50 |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        Console.WriteLine(string.Create(Inv,
            $"| D1 | GET /facts/{{id}} (desk page) vs GET /api/facts/{{id}}, {Claims}-claim fact, loopback | {P(page, 50):F1} / {P(page, 95):F1} | {P(plain, 50):F1} / {P(plain, 95):F1} | {P(page, 50) / P(plain, 50):F1}x |"));
        Console.WriteLine();
        return P(page, 50) < 200 ? 0 : 1;
    }

    private static async Task<double> TimeAsync(HttpClient http, string path)
    {
        var began = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        response.EnsureSuccessStatusCode();
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
