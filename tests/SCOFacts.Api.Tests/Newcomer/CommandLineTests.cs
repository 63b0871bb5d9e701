using System.Diagnostics;
using Npgsql;
using SCOFacts.Api.Cli;
using SCOFacts.EventStore.Hosting;
using SCOFacts.Testing;
using Xunit.Abstractions;

namespace SCOFacts.Api.Tests.Newcomer;

/// <summary>
/// The command line as a newcomer meets it: a mistyped verb, <c>--help</c>, a verb run from the wrong folder,
/// a verb run beside the running API. The last two run the built executable, as the README does.
/// </summary>
public sealed class CommandLineTests(ITestOutputHelper output)
{
    private static readonly TimeSpan VerbTimeout = TimeSpan.FromSeconds(120);

    private static Task<(int? ExitCode, string Out, string Error)> RunInProcessAsync(Dictionary<string, string?>? settings, params string[] args) =>
        CliRun.InProcessAsync(settings, args);

    [Theory]
    [InlineData("audti", "verify")]
    [InlineData("key", "list")]
    [InlineData("serve")]
    public async Task An_unknown_verb_prints_the_help_to_stderr_and_exits_2(params string[] args)
    {
        FactsVerbs.Register();
        var (exitCode, stdout, stderr) = await RunInProcessAsync(null, args);

        Assert.Equal(CliVerbs.UsageError, exitCode);
        Assert.Contains($"Unknown verb '{args[0]}'", stderr, StringComparison.Ordinal);
        Assert.Contains("ledger verify", stderr, StringComparison.Ordinal);
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task Host_options_still_start_the_web_host()
    {
        Assert.Null(await CliVerbs.TryRunAsync(["urls=http://127.0.0.1:0"]));
        Assert.Null(await CliVerbs.TryRunAsync(["--environment", "Production"]));
    }

    [Fact]
    public async Task Every_verb_has_help_with_its_usage_and_the_exit_codes_and_needs_no_database()
    {
        FactsVerbs.Register();
        // A folder with no store: were the help to start the verb, it would refuse with 3.
        var nowhere = new Dictionary<string, string?> { ["ConnectionStrings:SCOFacts"] = "", ["LocalDatabase:Folder"] = Path.Combine(Path.GetTempPath(), "scofacts-nowhere-" + Guid.NewGuid().ToString("N")) };
        foreach (var verb in CliVerbs.Registered)
        {
            foreach (var args in new[] { new[] { verb.Name, "--help" }, [verb.Name, "create", "-h"], ["help", verb.Name] })
            {
                var (exitCode, stdout, stderr) = await RunInProcessAsync(nowhere, args);
                Assert.True(exitCode == CliVerbs.Success, $"{string.Join(' ', args)} exited {exitCode}: {stderr}");
                Assert.Contains(verb.Usage.Trim(), stdout, StringComparison.Ordinal);
                Assert.Contains("Exit codes", stdout, StringComparison.Ordinal);
            }
        }
        Assert.Equal(CliVerbs.UsageError, (await RunInProcessAsync(null, "help", "nope")).ExitCode);
    }

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_lists_every_verb_and_what_each_exit_code_means(string help)
    {
        FactsVerbs.Register();
        var (exitCode, stdout, _) = await RunInProcessAsync(null, help);

        Assert.Equal(CliVerbs.Success, exitCode);
        foreach (var verb in CliVerbs.Registered)
            Assert.Contains(verb.Usage.Trim(), stdout, StringComparison.Ordinal);
        foreach (var code in new[] { "0 done", "1 the verb ran", "2 wrong arguments", "3 no database" })
            Assert.Contains(code, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_verb_where_there_is_no_store_refuses_naming_the_folder_and_creates_nothing()
    {
        var folder = Path.Combine(Path.GetTempPath(), "scofacts-nostore-" + Guid.NewGuid().ToString("N"), "postgres");
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:SCOFacts"] = "", ["LocalDatabase:Folder"] = folder };

        var (exitCode, stdout, stderr) = await RunInProcessAsync(settings, "keys", "list");

        Assert.Equal(CliVerbs.NoDatabase, exitCode);
        Assert.Contains(folder, stderr, StringComparison.Ordinal);
        Assert.Contains("Nothing was created", stderr, StringComparison.Ordinal);
        Assert.Empty(stdout);
        Assert.False(Directory.Exists(folder), $"{folder} was created");
    }

    [Fact]
    public async Task The_executable_run_from_another_folder_refuses_and_a_verb_beside_the_api_uses_its_cluster_and_leaves_it_running()
    {
        // Under /tmp and open to others: as root the cluster runs as the postgres user, who must reach it.
        var work = Path.Combine("/tmp", "scofacts-cli-" + Guid.NewGuid().ToString("N")[..12]);
        var elsewhere = Path.Combine(work, "elsewhere");
        var data = Path.Combine(work, "api", ".data", "postgres");
        Directory.CreateDirectory(elsewhere);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(work, (UnixFileMode)0b111_111_111);
        var cluster = LocalPostgresCluster.Persistent(data);
        try
        {
            // From another folder, with the default setting: no store there, nothing made.
            var refused = await RunExecutableAsync(elsewhere, null, "keys", "list");
            Assert.Equal(CliVerbs.NoDatabase, refused.ExitCode);
            Assert.Contains(Path.Combine(elsewhere, ".data", "postgres"), refused.Error, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(elsewhere, ".data")), "the verb created a store where it ran");

            // The running API's cluster, with its database.
            await cluster.StartAsync();
            await using (var connection = new NpgsqlConnection(cluster.ConnectionString))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand("create database scofacts", connection);
                await create.ExecuteNonQueryAsync();
            }

            var beside = await RunExecutableAsync(elsewhere, data, "keys", "create", "--role", "auditor", "--name", "from-elsewhere");
            Assert.True(beside.ExitCode == CliVerbs.Success, beside.Error);
            Assert.DoesNotContain("Stopping the local PostgreSQL cluster", beside.Error, StringComparison.Ordinal);
            Assert.Equal(1L, await CountKeysAsync(cluster, "from-elsewhere")); // Still running, and the key is in the API's store.

            // With the cluster stopped, the verb starts it, says so, and stops it again.
            await cluster.StopAsync();
            var alone = await RunExecutableAsync(elsewhere, data, "keys", "list");
            Assert.True(alone.ExitCode == CliVerbs.Success, alone.Error);
            Assert.Contains("from-elsewhere", alone.Out, StringComparison.Ordinal);
            Assert.Contains("Stopping the local PostgreSQL cluster", alone.Error, StringComparison.Ordinal);
            await Wait.UntilAsync(() => !File.Exists(Path.Combine(data, "data", "postmaster.pid")), TimeSpan.FromSeconds(30), "the verb's cluster stopped");
        }
        finally
        {
            try { await cluster.StopAsync(); }
            catch (PostgresClusterException e) { output.WriteLine($"Stopping the test cluster: {e.Message}"); }
            await cluster.DisposeAsync();
            try { Directory.Delete(work, recursive: true); }
            catch (IOException e) { output.WriteLine($"Could not remove {work}: {e.Message}"); }
            catch (UnauthorizedAccessException e) { output.WriteLine($"Could not remove {work}: {e.Message}"); }
        }
    }

    [Fact]
    public async Task The_executable_with_a_mistyped_verb_exits_2_instead_of_serving()
    {
        var folder = Path.Combine(Path.GetTempPath(), "scofacts-typo-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        try
        {
            var result = await RunExecutableAsync(folder, null, "audti", "verify");
            Assert.Equal(CliVerbs.UsageError, result.ExitCode);
            Assert.Contains("Unknown verb 'audti'", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("listening", result.Out + result.Error, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<long> CountKeysAsync(LocalPostgresCluster cluster, string name)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "scofacts", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from api_keys where name = $1", connection);
        command.Parameters.Add(new() { Value = name });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The built SCOFacts.Api.dll with <paramref name="args"/>, in <paramref name="workingDirectory"/>, with no connection string.</summary>
    private async Task<(int ExitCode, string Out, string Error)> RunExecutableAsync(string workingDirectory, string? dataFolder, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "SCOFacts.Api.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("LocalDatabase__", StringComparison.OrdinalIgnoreCase) || k == "SCOFACTS_TEST_CONNECTION").ToList())
            start.Environment.Remove(key);
        if (dataFolder is not null) start.Environment["LocalDatabase__Folder"] = dataFolder;

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(VerbTimeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{string.Join(' ', args)} did not exit within {VerbTimeout}:\n{await stdout}\n{await stderr}");
        }
        var result = (process.ExitCode, await stdout, await stderr);
        output.WriteLine($"$ {string.Join(' ', args)} -> {result.ExitCode}\n{result.Item2}\n{result.Item3}");
        return result;
    }
}
