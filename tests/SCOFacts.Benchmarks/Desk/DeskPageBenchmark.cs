using System.Globalization;
using SCOFacts.Benchmarks.EventStoreBench;

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
        await using var host = await BenchHost.StartAsync("bench_desk");

        const string factId = "bench.population-share";
        await host.PostAsync("/api/facts", new
        {
            id = factId, subject = "bench", property = "population-share", valueType = "quantity", unit = "percent",
            description = "A benchmark fact with many claims",
        });
        for (var s = 0; s < 10; s++)
            await host.PostAsync("/api/sources", new { id = $"bench-src-{s}", title = $"Bench source {s}", publisher = $"Publisher {s}", kind = "news", language = "en" });
        for (var c = 0; c < Claims; c++)
        {
            await host.PostAsync($"/api/facts/{factId}/claims", new
            {
                id = $"bench-claim-{c}", sourceId = $"bench-src-{c % 10}",
                value = new { kind = "quantity", amount = (40 + (c % 7)).ToString(Inv), unit = "percent", approx = "about" },
                validTime = new { at = (2001 + (c % 25)).ToString(Inv) }, quote = $"About {40 + (c % 7)} percent of the world's people, says source {c % 10}.",
            });
        }

        Console.WriteLine($"Desk page benchmark: a fact with {Claims} claims, {rounds} interleaved rounds after 20 warm-up rounds");
        var (page, plain) = await host.InterleaveGetsAsync($"/facts/{factId}", $"/api/facts/{factId}", rounds);
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
}
