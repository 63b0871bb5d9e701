using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using SCOFacts.EventStore.Hosting;

namespace SCOFacts.Benchmarks.ColdStart;

/// <summary>
/// Cold start: the API as a real process (the build's <c>SCOFacts.Api.dll</c> under <c>dotnet</c>, as Production, with
/// Wolverine's pre-generated handler code) on a database that already holds the seeded log, timed from starting the
/// process to its first answered <c>GET /api/facts/{id}</c>. Baseline, same run: the same process started only to
/// print its help and exit, which is the runtime's start and the assembly loading every start pays.
/// </summary>
internal static class ColdStartSuite
{
    private const string Fact = "sco.founded-on";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    public static async Task<int> RunAsync(bool quick)
    {
#if DEBUG
        Console.WriteLine("WARNING: a Debug build; run with -c Release for numbers worth keeping.");
#endif
        var runs = quick ? 2 : 7;
        var application = Path.Combine(AppContext.BaseDirectory, "SCOFacts.Api.dll");
        if (!File.Exists(application))
        {
            Console.Error.WriteLine($"No {application}: build the benchmarks first.");
            return 1;
        }

        await using var cluster = LocalPostgresCluster.CreateThrowaway(new LocalPostgresClusterOptions());
        await cluster.StartAsync();
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE bench_coldstart", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "bench_coldstart" }.ConnectionString;
        var folder = Directory.CreateTempSubdirectory("scofacts-coldstart-").FullName;
        try
        {
            // The first start migrates the empty database and loads the seeds; every later one finds them in place.
            var first = await TimeFirstAnswerAsync(application, connectionString, folder);
            var starts = new List<double>();
            var helps = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                helps.Add(await TimeHelpAsync(application, folder));
                starts.Add(await TimeFirstAnswerAsync(application, connectionString, folder));
            }

            Console.WriteLine();
            Console.WriteLine($"Cold start ({runs} starts each, alternating; Production, pre-generated handler code, the seeded database in place)");
            Console.WriteLine();
            Console.WriteLine("| # | Row | Median | Spread | Baseline (same run) | Baseline spread | Ratio | Target |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---|");
            Console.WriteLine($"| C1 | process start to the first answered GET /api/facts/{{id}} | {Ms(Median(starts))} | {Ms(starts.Min())}–{Ms(starts.Max())} | " +
                $"`help` and exit: {Ms(Median(helps))} | {Ms(helps.Min())}–{Ms(helps.Max())} | {(Median(starts) / Median(helps)).ToString("0.0", Inv)}x | <= 3 s |");
            Console.WriteLine($"| C0 | the first start, on an empty database (migrations and the seed load) | {Ms(first)} | | | | | |");
            return 0;
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { /* a leftover temporary folder is harmless */ }
        }
    }

    private static async Task<double> TimeHelpAsync(string application, string folder)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(StartInfo(application, folder, null, "help"))!;
        await process.WaitForExitAsync();
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task<double> TimeFirstAnswerAsync(string application, string connectionString, string folder)
    {
        var port = FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(Inv)}"), Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(StartInfo(application, folder, connectionString, "--urls", http.BaseAddress.ToString()))!;
        try
        {
            while (true)
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"The API exited with {process.ExitCode} before answering: {await process.StandardError.ReadToEndAsync()}");
                if (clock.Elapsed > Patience) throw new TimeoutException($"The API did not answer within {Patience}.");
                try
                {
                    using var response = await http.GetAsync(new Uri($"/api/facts/{Fact}", UriKind.Relative));
                    if (response.StatusCode == HttpStatusCode.OK) return clock.Elapsed.TotalMilliseconds;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                // Polling the port is the measurement's resolution: 5 ms against starts of seconds.
                await Task.Delay(5);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static ProcessStartInfo StartInfo(string application, string folder, string? connectionString, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(application);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Ledger__SigningKeyPath"] = Path.Combine(folder, "signing.key");
        if (connectionString is not null) info.Environment["ConnectionStrings__SCOFacts"] = connectionString;
        return info;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Ms(double milliseconds) =>
        milliseconds >= 1000 ? (milliseconds / 1000).ToString("0.00", Inv) + " s" : milliseconds.ToString("0", Inv) + " ms";
}
