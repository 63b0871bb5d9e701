using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Npgsql;
using SCOFacts.Testing;
using Xunit.Abstractions;

namespace SCOFacts.Api.Tests.Newcomer;

/// <summary>
/// The README's path for someone new: run the built API with no connection string in an empty folder, get a
/// populated API and an editor key, stop it with Ctrl-C (which stops its PostgreSQL), start it again and find
/// everything loaded once.
/// </summary>
public sealed class FirstRunTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_executable_starts_its_own_database_loads_the_seeds_once_and_stops_it_on_ctrl_c()
    {
        // Under /tmp and open to others: as root the cluster runs as the postgres user, who must reach it.
        var workFolder = Path.Combine("/tmp", "scofacts-firstrun-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(workFolder);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(workFolder, (UnixFileMode)0b111_111_111);
        var dataFolder = Path.Combine(workFolder, "data", "postgres");
        ApiProcess? running = null;
        try
        {
            running = ApiProcess.Start(workFolder, dataFolder);
            await running.WaitUntilReadyAsync(StartTimeout);

            using var http = new HttpClient { BaseAddress = running.BaseAddress };
            var founded = JsonDocument.Parse(await GetOkAsync(http, "/api/facts/sco.founded-on")).RootElement;
            Assert.Equal("consensus", founded.GetProperty("verdict").GetString());
            Assert.Equal("2001", founded.GetProperty("value").GetProperty("display").GetString());

            Assert.Contains("an editor key named 'admin' was created", running.Output, StringComparison.Ordinal);
            Assert.Matches(@"\n\s+sco_[A-Za-z0-9_-]{40,}\s*\n", running.Output);
            var firstCounts = await StoreCounts.ReadAsync(dataFolder);
            Assert.True(firstCounts.ClaimsRecorded > 0 && firstCounts.SeedLoads == 1, $"After the first start: {firstCounts}");

            await running.StopAsync(StopTimeout, output);
            Assert.Contains("Stopping the local PostgreSQL cluster", running.Output, StringComparison.Ordinal);
            await AssertNoPostgresAsync(dataFolder);
            running.Dispose();
            running = null;

            running = ApiProcess.Start(workFolder, dataFolder);
            await running.WaitUntilReadyAsync(StartTimeout);
            using var again = new HttpClient { BaseAddress = running.BaseAddress };
            Assert.Equal("2001", JsonDocument.Parse(await GetOkAsync(again, "/api/facts/sco.founded-on")).RootElement
                .GetProperty("value").GetProperty("display").GetString());
            Assert.Equal(firstCounts, await StoreCounts.ReadAsync(dataFolder));
            Assert.DoesNotContain("editor key named", running.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Loading the seed set", running.Output, StringComparison.Ordinal);

            await running.StopAsync(StopTimeout, output);
            await AssertNoPostgresAsync(dataFolder);
        }
        finally
        {
            if (running is not null)
            {
                output.WriteLine(running.Output);
                running.Dispose();
            }
            await ForceStopPostgresAsync(dataFolder);
            try { Directory.Delete(workFolder, recursive: true); }
            catch (IOException e) { output.WriteLine($"Could not remove {workFolder}: {e.Message}"); }
            catch (UnauthorizedAccessException e) { output.WriteLine($"Could not remove {workFolder}: {e.Message}"); }
        }
    }

    private static async Task<string> GetOkAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    private static async Task AssertNoPostgresAsync(string dataFolder)
    {
        // The app waits for the cluster to stop before it exits; the server's children may take a moment longer.
        await Wait.UntilAsync(() => PostgresProcessesFor(dataFolder).Count == 0, TimeSpan.FromSeconds(30),
            $"no postgres process uses {dataFolder}");
        Assert.False(File.Exists(Path.Combine(dataFolder, "data", "postmaster.pid")), "postmaster.pid is left behind");
    }

    /// <summary>Process ids whose command line names the data folder (the postmaster runs with -D FOLDER/data).</summary>
    private static List<int> PostgresProcessesFor(string dataFolder)
    {
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid)) continue;
            string commandLine;
            try { commandLine = File.ReadAllText(Path.Combine(entry, "cmdline")).Replace('\0', ' '); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (commandLine.Contains("postgres", StringComparison.Ordinal) && commandLine.Contains(dataFolder, StringComparison.Ordinal))
                found.Add(pid);
        }
        return found;
    }

    /// <summary>Cleanup after a failure: stop a server the test's app left running, so no cluster outlives the test.</summary>
    private async Task ForceStopPostgresAsync(string dataFolder)
    {
        var pids = PostgresProcessesFor(dataFolder);
        if (pids.Count == 0) return;
        output.WriteLine($"Cleaning up postgres processes for {dataFolder}: {string.Join(", ", pids)}");
        var postmaster = pids.Min();
        await ApiProcess.SignalAsync(postmaster, "QUIT");
        try { await Wait.UntilAsync(() => PostgresProcessesFor(dataFolder).Count == 0, TimeSpan.FromSeconds(20), "postgres is gone"); }
        catch (TimeoutException)
        {
            foreach (var pid in PostgresProcessesFor(dataFolder)) await ApiProcess.SignalAsync(pid, "KILL");
        }
    }

    /// <summary>What the store holds, read straight from the app's local cluster (its port is in FOLDER/port).</summary>
    private sealed record StoreCounts(long Events, long ClaimsRecorded, long DistinctClaims, long SeedLoads, long ApiKeys)
    {
        public static async Task<StoreCounts> ReadAsync(string dataFolder)
        {
            var port = int.Parse(File.ReadAllText(Path.Combine(dataFolder, "port")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var connectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = port, Username = "postgres", Database = "scofacts", Pooling = false,
            }.ConnectionString;
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                select (select count(*) from mt_events),
                       (select count(*) from mt_events where type = 'ClaimRecorded'),
                       (select count(distinct data->>'claimId') from mt_events where type = 'ClaimRecorded'),
                       (select count(*) from seed_loads),
                       (select count(*) from api_keys)
                """, connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        }
    }

    /// <summary>The built SCOFacts.Api.dll run with <c>dotnet</c>, as the README says, with its output captured.</summary>
    private sealed class ApiProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private ApiProcess(Process process, Uri baseAddress)
        {
            _process = process;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        public static ApiProcess Start(string workFolder, string dataFolder)
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "SCOFacts.Api.dll");
            Assert.True(File.Exists(dll), $"No built API at {dll}");
            var url = $"http://127.0.0.1:{FreePort()}";
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
            {
                WorkingDirectory = workFolder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(dll);
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add(url);
            // No connection string from anywhere: the app must start its own cluster.
            foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
                || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || k == "SCOFACTS_TEST_CONNECTION").ToList())
                start.Environment.Remove(key);
            start.Environment["LocalDatabase__Folder"] = dataFolder;

            var process = new Process { StartInfo = start };
            var api = new ApiProcess(process, new Uri(url));
            process.OutputDataReceived += (_, e) => api.Append(e.Data);
            process.ErrorDataReceived += (_, e) => api.Append(e.Data);
            Assert.True(process.Start(), "dotnet did not start");
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return api;
        }

        public async Task WaitUntilReadyAsync(TimeSpan timeout)
        {
            using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            await Wait.UntilAsync(async () =>
            {
                if (_process.HasExited)
                    throw new InvalidOperationException($"The API exited with code {_process.ExitCode} before it was ready:\n{Output}");
                try
                {
                    using var response = await http.GetAsync("/health/ready");
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException) { return false; }
                catch (TaskCanceledException) { return false; }
            }, timeout, $"GET /health/ready answers 200 at {BaseAddress}");
        }

        /// <summary>Ctrl-C (SIGINT); SIGTERM, the other graceful stop, only when this process was started with SIGINT ignored.</summary>
        public async Task StopAsync(TimeSpan timeout, ITestOutputHelper log)
        {
            var signal = IgnoresSigint(_process.Id) ? "TERM" : "INT";
            if (signal == "TERM") log.WriteLine("SIGINT is ignored in this process tree (a background job); stopping with SIGTERM instead.");
            await SignalAsync(_process.Id, signal);
            using var cancel = new CancellationTokenSource(timeout);
            try { await _process.WaitForExitAsync(cancel.Token); }
            catch (OperationCanceledException) { Assert.Fail($"The API did not stop within {timeout} of SIG{signal}:\n{Output}"); }
            _process.WaitForExit(); // Drains the redirected output.
        }

        public static async Task SignalAsync(int pid, string signal)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
            await kill.WaitForExitAsync();
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
        }

        private static bool IgnoresSigint(int pid)
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
