extern alias api;

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using SCOFacts.Benchmarks.EventStoreBench;
using SCOFacts.EventStore.Hosting;
using ApiKeyStore = api::SCOFacts.Api.Platform.ApiKeyStore;
using ApiProgram = api::Program;

namespace SCOFacts.Benchmarks.WebhooksBench;

/// <summary>
/// The outbox row: an editor's rating flips a fact's verdict, and the webhook announcing it reaches a receiver on
/// loopback. Measured from sending the rating to the receiver holding the delivery, against two baselines from the
/// same run: a bare POST from this (the application's) process to the same receiver, and the rating request alone.
/// </summary>
internal static class WebhookSuite
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(bool quick)
    {
#if DEBUG
        Console.WriteLine("WARNING: a Debug build; run with -c Release for numbers worth keeping.");
#endif
        var rounds = quick ? 30 : 200;
        await using var cluster = LocalPostgresCluster.CreateThrowaway(new LocalPostgresClusterOptions());
        await cluster.StartAsync();
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE bench_webhooks", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "bench_webhooks" }.ConnectionString;

        await using var receiver = await Receiver.StartAsync();
        await using var host = new Host(connectionString);
        host.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        host.StartServer();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var key = (await host.Services.GetRequiredService<ApiKeyStore>().CreateAsync("bench", "editor")).Key;
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);

        // Two sources disagree on one fact; the first one's rating decides whether the fact is settled or contested.
        await PostAsync(http, "/api/sources", new { id = "bench-a", title = "Bench A", publisher = "Publisher A", kind = "news", language = "en" });
        await PostAsync(http, "/api/sources", new { id = "bench-b", title = "Bench B", publisher = "Publisher B", kind = "news", language = "en" });
        await PostAsync(http, "/api/facts", new { id = "bench.flip", subject = "bench", property = "flip", valueType = "quantity", unit = "percent", description = "A benchmark fact" });
        await PostAsync(http, "/api/facts/bench.flip/claims", new
        {
            id = "flip-a", sourceId = "bench-a", value = new { kind = "quantity", amount = "40", unit = "percent", approx = "about" },
            validTime = new { at = "2020" }, quote = "About 40 percent.",
        });
        await PostAsync(http, "/api/facts/bench.flip/claims", new
        {
            id = "flip-b", sourceId = "bench-b", value = new { kind = "quantity", amount = "70", unit = "percent", approx = "about" },
            validTime = new { at = "2020" }, quote = "About 70 percent.",
        });
        await PostAsync(http, "/api/sources/bench-b/ratings", new { reliability = 0.3, reason = "Fixed for the benchmark." });
        await PostAsync(http, "/api/subscriptions", new { targetUrl = receiver.Url, factIds = new[] { "bench.flip" }, secret = "bench-secret-0123456789" });

        using var bare = new HttpClient();
        var flips = new List<double>();
        var writes = new List<double>();
        var posts = new List<double>();
        var high = true;
        for (var round = -5; round < rounds; round++)
        {
            // The delivery for this flip: the one whose 'after' verdict is the one the rating brings.
            var expected = high ? "settled" : "contested";
            var began = Stopwatch.GetTimestamp();
            await PostAsync(http, "/api/sources/bench-a/ratings", new { reliability = high ? 0.95 : 0.3, reason = $"Round {round}." });
            var written = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
            var arrived = await receiver.ArrivalAsync(expected, began, TimeSpan.FromSeconds(30));
            var flip = Stopwatch.GetElapsedTime(began, arrived).TotalMilliseconds;
            high = !high;

            var bareBegan = Stopwatch.GetTimestamp();
            using (var response = await bare.PostAsync(receiver.Url, new StringContent("""{"after":{"verdict":"bare"}}""", System.Text.Encoding.UTF8, "application/json")))
                response.EnsureSuccessStatusCode();
            var post = Stopwatch.GetElapsedTime(bareBegan, await receiver.ArrivalAsync("bare", bareBegan, TimeSpan.FromSeconds(30))).TotalMilliseconds;
            if (round < 0) continue;
            flips.Add(flip);
            writes.Add(written);
            posts.Add(post);
        }
        flips.Sort();
        writes.Sort();
        posts.Sort();

        Console.WriteLine();
        Console.WriteLine($"## Webhooks benchmark ({rounds} verdict flips, one subscriber on loopback)");
        Console.WriteLine();
        Console.WriteLine("| # | Row | p50 | p99 | max | Target |");
        Console.WriteLine("|---|---|---:|---:|---:|---|");
        Console.WriteLine(string.Create(Inv,
            $"| W1 | Verdict change (editor rating) to webhook delivered | {Writers.Percentile(flips, 50):F1} ms | {Writers.Percentile(flips, 99):F1} ms | {flips[^1]:F1} ms | p99 < 500 ms |"));
        Console.WriteLine(string.Create(Inv,
            $"| B1 | Baseline: bare POST from the app process to the same receiver | {Writers.Percentile(posts, 50):F2} ms | {Writers.Percentile(posts, 99):F2} ms | {posts[^1]:F2} ms | |"));
        Console.WriteLine(string.Create(Inv,
            $"| B2 | Baseline: the rating request alone (write, reconcile, outbox) | {Writers.Percentile(writes, 50):F1} ms | {Writers.Percentile(writes, 99):F1} ms | {writes[^1]:F1} ms | |"));
        Console.WriteLine();
        return 0;
    }

    private static async Task PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// A Kestrel receiver on loopback that stamps each arrival with the verdict it announces. Learned trust may move
    /// the fact's answer on its own too, so a flip is matched to the first arrival of its verdict after its write began.
    /// </summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly List<(long At, string Verdict)> _arrivals = [];
        private readonly SemaphoreSlim _arrived = new(0);

        private Receiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";

        /// <summary>When the first delivery announcing <paramref name="verdict"/> arrived at or after <paramref name="since"/>.</summary>
        public async Task<long> ArrivalAsync(string verdict, long since, TimeSpan timeout)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                lock (_arrivals)
                {
                    foreach (var (at, announced) in _arrivals)
                    {
                        if (at >= since && announced == verdict) return at;
                    }
                }
                var left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0) throw new TimeoutException($"No delivery announcing '{verdict}' arrived within {timeout.TotalSeconds} s.");
                await _arrived.WaitAsync(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
            }
        }

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/hook", async (HttpContext context) =>
            {
                var body = await JsonDocument.ParseAsync(context.Request.Body);
                var arrived = Stopwatch.GetTimestamp();
                var verdict = body.RootElement.GetProperty("after").GetProperty("verdict").GetString()!;
                lock (receiver._arrivals) receiver._arrivals.Add((arrived, verdict));
                receiver._arrived.Release();
                return Results.Ok();
            });
            await app.StartAsync();
            receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/hook";
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
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
