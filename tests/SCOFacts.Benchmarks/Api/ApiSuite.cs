using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using SCOFacts.Benchmarks.EventStoreBench;

namespace SCOFacts.Benchmarks.ApiBench;

/// <summary>
/// The API's own rows, each against a baseline measured in the same run on the real host (Kestrel on a loopback port,
/// a throwaway cluster): <c>GET /api/facts/{id}</c> at 16 connections against <c>/health/live</c> at 16 connections,
/// its p99 (and, for information, the same with 4 clients, and with 16 clients each reading a fact of its own), recording a claim on a fact with many claims against one with three, requests interleaved one by one, a
/// <c>knownAt</c> read of a fact with a long history against its plain read, and 16 clients posting claims to one fact
/// with no If-Match (the share answered 2xx, and the rate against 16 clients each posting to a fact of its own).
/// </summary>
internal static class ApiSuite
{
    private const int Connections = 16;
    private const int FewConnections = 4;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(bool quick, bool knownAtOnly = false)
    {
#if DEBUG
        Console.WriteLine("WARNING: a Debug build; run with -c Release for numbers worth keeping.");
#endif
        var bigClaims = quick ? 150 : 1500;
        var historyEvents = quick ? 100 : 1000;
        var duration = TimeSpan.FromSeconds(quick ? 3 : 10);
        var rounds = quick ? 20 : 100;
        await using var host = await BenchHost.StartAsync("bench_api", connections: Connections);
        var http = host.Http;

        for (var s = 0; s < 10; s++)
            await host.PostAsync("/api/sources", new { id = $"bench-src-{s}", title = $"Bench source {s}", publisher = $"Publisher {s}", kind = "news", language = "en" });

        var rows = new List<string>();
        if (!knownAtOnly)
        {
            const string small = "bench.small-share";
            const string big = "bench.big-share";
            await DefineAsync(host, small);
            await DefineAsync(host, big);
            for (var c = 0; c < 3; c++) await ClaimAsync(host, small, $"small-{c}", c);
            // A fact like the small one for each client, for reads that have nothing to share.
            for (var f = 0; f < Connections; f++)
            {
                await DefineAsync(host, ReadFact(f));
                for (var c = 0; c < 3; c++) await ClaimAsync(host, ReadFact(f), $"read-{f}-{c}", c);
            }
            var loading = Stopwatch.StartNew();
            for (var c = 0; c < bigClaims; c++) await ClaimAsync(host, big, $"big-{c}", c);
            Console.WriteLine(string.Create(Inv, $"API benchmark: {bigClaims} claims recorded on one fact in {loading.Elapsed.TotalSeconds:F1} s; {Connections} connections, {duration.TotalSeconds:F0} s per load row"));

            // Warm both paths, then measure each under the same load.
            await LoadAsync(http, "/health/live", TimeSpan.FromSeconds(1));
            await LoadAsync(http, $"/api/facts/{small}", TimeSpan.FromSeconds(1));
            var live = await LoadAsync(http, "/health/live", duration);
            var read = await LoadAsync(http, $"/api/facts/{small}", duration);
            // The same pair with fewer clients: how much of A2's tail is the read, and how much the queue for 2 cores.
            var fewLive = await LoadAsync(http, "/health/live", duration, FewConnections);
            var fewRead = await LoadAsync(http, $"/api/facts/{small}", duration, FewConnections);
            // 16 clients again, each reading a fact of its own: no two reads can share a database read.
            await LoadAsync(http, c => $"/api/facts/{ReadFact(c)}", TimeSpan.FromSeconds(1));
            var ownRead = await LoadAsync(http, c => $"/api/facts/{ReadFact(c)}", duration);

            var smallPosts = new List<double>();
            var bigPosts = new List<double>();
            for (var round = -5; round < rounds; round++)
            {
                var n = bigClaims + 10 + round;
                var a = await TimedClaimAsync(host, small, $"small-r{round + 5}", n);
                var b = await TimedClaimAsync(host, big, $"big-r{round + 5}", n);
                if (round < 0) continue;
                smallPosts.Add(a);
                bigPosts.Add(b);
            }
            smallPosts.Sort();
            bigPosts.Sort();
            var smallP50 = Writers.Percentile(smallPosts, 50);
            var bigP50 = Writers.Percentile(bigPosts, 50);
            rows.Add(string.Create(Inv,
                $"| A1 | GET /api/facts/{{id}} (3 claims) rps, {Connections} connections, vs /health/live | {read.Rps:F0} rps | {live.Rps:F0} rps | {read.Rps / live.Rps:F3}x | >= 0.20x |"));
            rows.Add(string.Create(Inv,
                $"| A2 | GET /api/facts/{{id}} p50 / p99, {Connections} connections | {read.P50:F2} / {read.P99:F2} ms | /health/live {live.P50:F2} / {live.P99:F2} ms | | p99 < 5 ms |"));
            rows.Add(string.Create(Inv,
                $"| A2b | the same with {FewConnections} connections (information) | {fewRead.P50:F2} / {fewRead.P99:F2} ms | /health/live {fewLive.P50:F2} / {fewLive.P99:F2} ms | {fewRead.Rps / fewLive.Rps:F3}x rps | |"));
            rows.Add(string.Create(Inv,
                $"| A2c | the same with {Connections} connections, each on a fact of its own (information) | {ownRead.P50:F2} / {ownRead.P99:F2} ms | /health/live {live.P50:F2} / {live.P99:F2} ms | {ownRead.Rps / live.Rps:F3}x rps | |"));
            rows.Add(string.Create(Inv,
                $"| A3 | POST claim on a {bigClaims}-claim fact vs a 3-claim fact, p50 (p95), sequential | {bigP50:F1} ({Writers.Percentile(bigPosts, 95):F1}) ms | {smallP50:F1} ({Writers.Percentile(smallPosts, 95):F1}) ms | {bigP50 / smallP50:F2}x | within 1.5x |"));
        }

        rows.AddRange(await KnownAtRowsAsync(host, historyEvents, quick ? 20 : 300));

        if (!knownAtOnly)
        {
            // Writers on one fact against writers on a fact each, both from freshly defined facts for the same time.
            const string shared = "bench.one-fact";
            await DefineAsync(host, shared);
            for (var c = 0; c < Connections; c++) await DefineAsync(host, $"bench.own-fact-{c}");
            await PostLoadAsync(http, c => $"bench.own-fact-{c}", "warm", TimeSpan.FromSeconds(1));
            var distinct = await PostLoadAsync(http, c => $"bench.own-fact-{c}", "own", duration);
            var oneFact = await PostLoadAsync(http, _ => shared, "one", duration);
            rows.Add(string.Create(Inv,
                $"| A5 | POST claim, {Connections} clients on one fact, no If-Match: share of 2xx | {oneFact.Share:P2} ({oneFact.Ok}/{oneFact.Total}) | {Connections} facts: {distinct.Share:P2} | | 100% |"));
            rows.Add(string.Create(Inv,
                $"| A6 | POST claim, {Connections} clients on one fact, no If-Match: rps vs {Connections} clients on distinct facts | {oneFact.Rps:F0} rps | {distinct.Rps:F0} rps | {oneFact.Rps / distinct.Rps:F2}x | >= 0.5x |"));
        }

        Console.WriteLine();
        Console.WriteLine(knownAtOnly ? "## API benchmark (rows A4 and A4b only)" : "## API benchmark");
        Console.WriteLine();
        Console.WriteLine("| # | Row | Measured | Baseline (same run) | Ratio | Target |");
        Console.WriteLine("|---|---|---:|---:|---:|---|");
        foreach (var row in rows) Console.WriteLine(row);
        Console.WriteLine();
        return 0;
    }

    // A4: a fact of `events` events (its definition and claims), read as known just after its last event (every event
    // of the fact is known then: the stored state answers, and its sources' streams are folded as they stood) against
    // its plain GET (the stored answer), one client, the two requests interleaved one by one, each timed to its last
    // body byte. A4b: the same fact read as known halfway through its history, where the fact's own events up to then
    // are folded too.
    private static async Task<IEnumerable<string>> KnownAtRowsAsync(BenchHost host, int events, int rounds)
    {
        const string fact = "bench.history-share";
        await DefineAsync(host, fact);
        var loading = Stopwatch.StartNew();
        var halfway = DateTimeOffset.MinValue;
        for (var c = 0; c < events - 1; c++)
        {
            await ClaimAsync(host, fact, $"history-{c}", c);
            if (c == events / 2 - 2) halfway = await PastMomentAsync();
        }
        Console.WriteLine(string.Create(Inv, $"knownAt row: {events - 1} claims recorded on one fact in {loading.Elapsed.TotalSeconds:F1} s; {rounds} interleaved rounds after 20 warm-up rounds"));
        var moment = await PastMomentAsync();

        var (past, plain) = await host.InterleaveGetsAsync($"/api/facts/{fact}?knownAt={Moment(moment)}", $"/api/facts/{fact}", rounds);
        var (middle, plainToo) = await host.InterleaveGetsAsync($"/api/facts/{fact}?knownAt={Moment(halfway)}", $"/api/facts/{fact}", rounds);
        return
        [
            string.Create(Inv,
                $"| A4 | GET /api/facts/{{id}}?knownAt= of a {events:N0}-event fact, p50 / p99, one client | {Writers.Percentile(past, 50):F2} / {Writers.Percentile(past, 99):F2} ms | plain GET of that fact {Writers.Percentile(plain, 50):F2} / {Writers.Percentile(plain, 99):F2} ms | {Writers.Percentile(past, 99) / Writers.Percentile(plain, 99):F1}x at p99 | p99 < 20 ms |"),
            string.Create(Inv,
                $"| A4b | the same fact as known halfway through its history ({events / 2:N0} events folded), p50 / p99, one client | {Writers.Percentile(middle, 50):F2} / {Writers.Percentile(middle, 99):F2} ms | plain GET of that fact {Writers.Percentile(plainToo, 50):F2} / {Writers.Percentile(plainToo, 99):F2} ms | {Writers.Percentile(middle, 99) / Writers.Percentile(plainToo, 99):F1}x at p99 | p99 < 20 ms |"),
        ];
    }

    // Host and server share a clock: a moment after the last commit (rounded up to the millisecond the query carries)
    // sees every event written so far; it is let pass before returning, so a read as known then is of the past.
    private static async Task<DateTimeOffset> PastMomentAsync()
    {
        var moment = DateTimeOffset.UtcNow.AddMilliseconds(1);
        while (DateTimeOffset.UtcNow <= moment) await Task.Yield();
        return moment;
    }

    private static string Moment(DateTimeOffset moment) => Uri.EscapeDataString(moment.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", Inv));

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
    private static Task<Load> LoadAsync(HttpClient http, string path, TimeSpan duration, int clients = Connections) =>
        LoadAsync(http, _ => path, duration, clients);

    // As above, client c asking for pathOf(c).
    private static async Task<Load> LoadAsync(HttpClient http, Func<int, string> pathOf, TimeSpan duration, int clients = Connections)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var began = Stopwatch.GetTimestamp();
        var perClient = await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            var uri = new Uri(pathOf(c), UriKind.Relative);
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

    private static string ReadFact(int client) => $"bench.read-{client}";

    private static Task DefineAsync(BenchHost host, string id) => host.PostAsync("/api/facts", new
    {
        id, subject = "bench", property = id["bench.".Length..], valueType = "quantity", unit = "percent", description = "A benchmark fact",
    });

    // Claims spread over 25 years and 10 sources, a few figures each year: the shape of a long-tracked statistic.
    private static Task ClaimAsync(BenchHost host, string factId, string id, int n) => host.PostAsync($"/api/facts/{factId}/claims", ClaimBody(id, n));

    private static object ClaimBody(string id, int n) => new
    {
        id, sourceId = $"bench-src-{n % 10}",
        value = new { kind = "quantity", amount = (40 + (n % 7)).ToString(Inv), unit = "percent", approx = "about" },
        validTime = new { at = (2001 + (n % 25)).ToString(Inv) }, quote = $"About {40 + (n % 7)} percent, says source {n % 10}.",
    };

    private static async Task<double> TimedClaimAsync(BenchHost host, string factId, string id, int n)
    {
        var began = Stopwatch.GetTimestamp();
        await ClaimAsync(host, factId, id, n);
        return Stopwatch.GetElapsedTime(began).TotalMilliseconds;
    }
}
