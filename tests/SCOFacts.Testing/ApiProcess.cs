using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SCOFacts.Testing;

/// <summary>
/// The built API (<c>SCOFacts.Api.dll</c>) run as a process of its own with <c>dotnet</c>, on a free loopback port,
/// with settings given as environment variables: a real node, which can be killed outright, unlike a host in the
/// test process.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ApiProcess(string name, Process process, Uri baseAddress)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
    }

    /// <summary>The node's name: also its database connections' application name.</summary>
    public string Name { get; }

    /// <summary>Where it listens, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The operating system's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines it wrote (standard output and error), for failure messages.</summary>
    public string Output => string.Join('\n', _output.TakeLast(60));

    /// <summary>
    /// The API's built assembly: next to the API project's own build output for the configuration these tests were
    /// built in (it holds the settings files, migrations and static files), else next to the test assembly.
    /// </summary>
    public static string AssemblyPath
    {
        get
        {
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = here.Name;
            var configuration = here.Parent?.Name ?? "Debug";
            for (var folder = here; folder is not null; folder = folder.Parent)
            {
                var candidate = Path.Combine(folder.FullName, "src", "SCOFacts.Api", "bin", configuration, framework, "SCOFacts.Api.dll");
                if (File.Exists(Path.Combine(folder.FullName, "SCOFacts.sln")) && File.Exists(candidate))
                    return candidate;
            }
            return Path.Combine(AppContext.BaseDirectory, "SCOFacts.Api.dll");
        }
    }

    /// <summary>
    /// Starts a node named <paramref name="name"/> with <paramref name="settings"/> (configuration keys, <c>:</c>
    /// separated) and waits until <c>/health/live</c> answers.
    /// </summary>
    /// <param name="name">The node's name; its connections are told apart by it in <c>pg_stat_activity</c>.</param>
    /// <param name="connectionString">The database every node shares; the application name is set to <paramref name="name"/>.</param>
    /// <param name="settings">More settings, as the app would read them from its configuration.</param>
    /// <param name="timeout">How long it may take to answer.</param>
    public static async Task<ApiProcess> StartAsync(string name, string connectionString, IReadOnlyDictionary<string, string> settings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var assembly = AssemblyPath;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        start.Environment["ConnectionStrings__SCOFacts"] = connectionString + ";Application Name=" + name;
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException($"'dotnet {assembly}' did not start.");
        var node = new ApiProcess(name, process, baseAddress);
        process.OutputDataReceived += (_, e) => node.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => node.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await Wait.UntilAsync(async () =>
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"Node {name} exited with {process.ExitCode}:\n{node.Output}");
                try
                {
                    using var response = await probe.GetAsync(new Uri("health/live", UriKind.Relative));
                    return response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, timeout, $"node {name} answers on {baseAddress}");
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Ends the process at once with SIGKILL (kill -9): no shutdown code runs, its connections just drop.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Asks the process to stop (SIGTERM), as a service manager would, and waits until it has.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
            return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var patience = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(patience.Token);
    }

    /// <summary>Kills the process if it still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        while (_output.Count > 500)
            _output.TryDequeue(out _);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
