using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace SCOFacts.EventStore.Hosting;

/// <summary>
/// A private PostgreSQL cluster run from the machine's server programs, for development and tests: either a
/// throwaway one in a temporary folder (<see cref="CreateThrowaway"/>) or a persistent one in a folder that keeps
/// its data between runs (<see cref="Persistent"/>).
/// </summary>
/// <remarks>
/// The folder holds <c>data/</c> (the cluster), <c>socket/</c> (its unix socket), <c>port</c> (the port it was
/// given, reused on later starts) and <c>postgres.log</c>. The server listens on 127.0.0.1 only and trusts every
/// local connection without a password: it is a private cluster for one developer or one test run, never a
/// server to expose. When this process runs as root, the programs run as the <c>postgres</c> OS user (PostgreSQL
/// refuses to run as root) and the folder is handed to that user.
/// </remarks>
public sealed class LocalPostgresCluster : IAsyncDisposable
{
    /// <summary>The database superuser the cluster is created with.</summary>
    public const string Superuser = "postgres";

    private const string ServiceUser = "postgres";
    private const string ThrowawayPrefix = "scofacts-pg-";
    private const string OwnerFileName = "owner.pid";
    private const string SettingsFileName = "scofacts.conf";

    // sun_path is 108 bytes on Linux, including the terminating zero.
    private const int MaxSocketPathLength = 107;

    private readonly LocalPostgresClusterOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PostgresBinaries? _binaries;
    private int? _port;
    private bool _startedHere;
    private int? _watchdogProcessId;
    private bool _disposed;

    // Between a successful StartAsync and StopAsync/DisposeAsync: the server is meant to run, so a dead one is restarted.
    private bool _wanted;

    private string? _folder;

    private LocalPostgresCluster(string? folder, bool throwaway, LocalPostgresClusterOptions options)
    {
        _folder = folder;
        IsThrowaway = throwaway;
        _options = options;
    }

    /// <summary>
    /// A cluster in a new temporary folder on a free port, created by <see cref="StartAsync"/> and removed with
    /// its folder by <see cref="DisposeAsync"/>. Pass <c>Fsync = false</c> for speed when nothing needs to survive a crash.
    /// </summary>
    public static LocalPostgresCluster CreateThrowaway(LocalPostgresClusterOptions? options = null) =>
        new(folder: null, throwaway: true, options ?? new LocalPostgresClusterOptions());

    /// <summary>
    /// A cluster that lives in <paramref name="folder"/>: created there on first start, started again (on the
    /// port it had, while that port is free) on later starts, and adopted as it is when its server is already running.
    /// </summary>
    public static LocalPostgresCluster Persistent(string folder, LocalPostgresClusterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        return new(Path.GetFullPath(folder), throwaway: false, options ?? new LocalPostgresClusterOptions());
    }

    /// <summary>True for a cluster that is removed with its folder on dispose.</summary>
    public bool IsThrowaway { get; }

    /// <summary>The cluster's folder; for a throwaway cluster it exists once <see cref="StartAsync"/> has run.</summary>
    public string Folder => _folder ?? throw new InvalidOperationException("The throwaway cluster has no folder until it is started.");

    /// <summary>The PostgreSQL data directory inside <see cref="Folder"/>.</summary>
    public string DataDirectory => Path.Combine(Folder, "data");

    /// <summary>The server's log file inside <see cref="Folder"/>.</summary>
    public string LogFile => Path.Combine(Folder, "postgres.log");

    /// <summary>
    /// Whether the server recorded in the data folder is alive right now. Unlike <see cref="IsRunning"/>, this looks
    /// at the process, so it turns false the moment the server dies (a crash, a kill -9) without being stopped.
    /// </summary>
    public bool IsServerAlive => _folder is not null && ReadRunningPostmaster() is not null;

    /// <summary>Whether <see cref="StartAsync"/> has succeeded and <see cref="StopAsync"/> has not run since.</summary>
    public bool IsRunning => _port is not null;

    /// <summary>
    /// Whether this instance started the server (and so stops it on dispose); false for one it found already running.
    /// </summary>
    public bool StartedHere => _startedHere;

    /// <summary>Whether <paramref name="folder"/> holds a cluster created earlier (its data directory exists).</summary>
    public static bool ExistsIn(string folder) => File.Exists(Path.Combine(Path.GetFullPath(folder), "data", "PG_VERSION"));

    /// <summary>The TCP port the server listens on at 127.0.0.1.</summary>
    /// <exception cref="InvalidOperationException">The cluster is not running.</exception>
    public int Port => _port ?? throw new InvalidOperationException("The cluster is not running; call StartAsync first.");

    /// <summary>A connection string for the superuser and the <c>postgres</c> database.</summary>
    /// <exception cref="InvalidOperationException">The cluster is not running.</exception>
    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = Superuser,
        Database = "postgres",
    }.ConnectionString;

    /// <summary>The folder of the PostgreSQL programs in use, once started.</summary>
    public string? BinDirectory => _binaries?.Directory;

    /// <summary>
    /// Creates the cluster if its folder has none, starts the server unless it already runs, and returns once it
    /// accepts connections. Calling it on a running cluster does nothing.
    /// </summary>
    /// <exception cref="PostgresBinariesNotFoundException">The PostgreSQL programs are not installed.</exception>
    /// <exception cref="PostgresClusterException">The cluster could not be created or started; the message carries the server's own words.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (IsRunning)
                return;
            if (OperatingSystem.IsWindows())
                throw new PlatformNotSupportedException("LocalPostgresCluster runs PostgreSQL on Linux and macOS; on Windows configure a connection string.");

            _binaries ??= PostgresBinaries.Locate(_options.BinDirectory, Environment.GetEnvironmentVariable("PATH"), "/usr/lib/postgresql");
            if (IsThrowaway && _folder is null)
            {
                await RemoveAbandonedThrowawaysAsync(cancellationToken);
                _folder = Directory.CreateTempSubdirectory(ThrowawayPrefix).FullName;
                await File.WriteAllTextAsync(Path.Combine(_folder, OwnerFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
            }
            Directory.CreateDirectory(Folder);
            Directory.CreateDirectory(SocketDirectory);
            await HandFolderToServiceUserAsync(cancellationToken);

            if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
                await InitDbAsync(cancellationToken);

            var running = ReadRunningPostmaster();
            if (running is not null)
            {
                // A server from an earlier run (perhaps one that crashed before stopping it) still serves this folder.
                _startedHere = false;
                await WaitUntilAcceptingAsync(running.Value.Port, cancellationToken);
                _port = running.Value.Port;
                _wanted = true;
                return;
            }

            await StartServerAsync(cancellationToken);
            _startedHere = true;
            _wanted = true;
            if (IsThrowaway && _watchdogProcessId is null)
                await StartWatchdogAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops the server, also one this instance adopted (fast shutdown: open sessions are ended, in-flight
    /// transactions roll back). Does nothing when it is not running. A throwaway cluster keeps its folder until disposed.
    /// </summary>
    /// <exception cref="PostgresClusterException">pg_ctl could not stop it.</exception>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _wanted = false;
            await StopServerAsync("fast", cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops the server if this instance started it (one found already running is left as it was) and removes a
    /// throwaway cluster's folder.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            _wanted = false;
            if (IsThrowaway)
            {
                await StopThrowawayAsync(_folder);
                if (_folder is not null && Directory.Exists(_folder))
                    Directory.Delete(_folder, recursive: true);
                // Only now: when this runs at process exit and the process is killed halfway, the watchdog finishes the job.
                StopWatchdog();
            }
            else if (_startedHere)
            {
                await StopServerAsync("fast", CancellationToken.None);
            }
            _port = null;
        }
        finally
        {
            _gate.Release();
            _gate.Dispose();
        }
    }

    /// <summary>
    /// Starts the server again if it is meant to run (started and not stopped since) but its process has died;
    /// PostgreSQL then recovers from its write-ahead log before it accepts connections, which this waits for.
    /// Returns true when it restarted the server, false when there was nothing to do.
    /// </summary>
    /// <exception cref="PostgresClusterException">The server could not be started (yet): the dead server's sessions may still hold its shared memory.</exception>
    public async Task<bool> RestartIfDeadAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_disposed || !_wanted || ReadRunningPostmaster() is not null)
                return false;
            _port = null;
            await StartServerAsync(cancellationToken);
            _startedHere = true;
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private string SocketDirectory => Path.Combine(Folder, "socket");

    private string PortFile => Path.Combine(Folder, "port");

    private static string? RunAs => ProcessRunner.IsRoot ? ServiceUser : null;

    private async Task StopThrowawayAsync(string? folder)
    {
        if (folder is null || !File.Exists(Path.Combine(folder, "data", "postmaster.pid")))
            return;
        try
        {
            await StopServerAsync("fast", CancellationToken.None);
        }
        catch (PostgresClusterException)
        {
            // The folder goes anyway; make sure no server keeps running from a deleted folder.
            await StopServerAsync("immediate", CancellationToken.None);
        }
    }

    /// <summary>
    /// Test hosts are often killed rather than left to exit (the .NET test host gets a fraction of a second to
    /// run its exit handlers), which would leave a throwaway server running and its folder behind. A detached
    /// shell waits for this process to end, however it ends, then stops the server and removes the folder.
    /// </summary>
    private async Task StartWatchdogAsync(CancellationToken cancellationToken)
    {
        const string watchdog = """
            exec </dev/null >/dev/null 2>&1
            trap '' INT HUP
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            if [ -f "$3/postmaster.pid" ]; then
              if [ -n "$5" ]; then runuser -u "$5" -- "$2" stop -D "$3" -m immediate -w; else "$2" stop -D "$3" -m immediate -w; fi
            fi
            rm -rf "$4"
            """;
        // The outer shell exits at once, so the watchdog is re-parented and outlives a kill of this process tree;
        // its own session (setsid, where there is one) keeps it out of a kill of this process group.
        string[] detach = File.Exists("/usr/bin/setsid") ? ["/usr/bin/setsid"] : File.Exists("/bin/setsid") ? ["/bin/setsid"] : [];
        var launch = await ProcessRunner.RunAsync(
            "/bin/sh",
            ["-c", "\"$@\" & echo $!", "sh", .. detach, "/bin/sh", "-c", watchdog, "watchdog",
             Environment.ProcessId.ToString(CultureInfo.InvariantCulture), _binaries!.PgCtl, DataDirectory, Folder, RunAs ?? ""],
            runAs: null,
            Folder,
            cancellationToken);
        if (launch.Succeeded && int.TryParse(launch.Output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            _watchdogProcessId = pid;
    }

    private void StopWatchdog()
    {
        if (_watchdogProcessId is not { } pid)
            return;
        _watchdogProcessId = null;
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private async Task HandFolderToServiceUserAsync(CancellationToken cancellationToken)
    {
        if (RunAs is null)
            return;
        var paths = new List<string> { Folder, SocketDirectory };
        paths.AddRange(new[] { PortFile, LogFile, Path.Combine(Folder, OwnerFileName) }.Where(File.Exists));
        var chown = await ProcessRunner.RunAsync("chown", [$"{ServiceUser}:", .. paths], runAs: null, Folder, cancellationToken);
        if (!chown.Succeeded)
        {
            throw new PostgresClusterException(
                $"Running as root, the cluster folder must belong to the '{ServiceUser}' OS user, but chown failed: {chown.Output} "
                + $"(is there a '{ServiceUser}' user? The postgresql package creates it).");
        }

        // chown does not help when a parent folder is closed to that user (a folder under /root, say).
        var probe = await ProcessRunner.RunAsync("test", ["-w", Folder, "-a", "-x", Folder], RunAs, "/", cancellationToken);
        if (!probe.Succeeded)
        {
            throw new PostgresClusterException(
                $"The '{ServiceUser}' OS user cannot write to '{Folder}', probably because a parent folder is closed to it. "
                + "Put the cluster somewhere it can reach (for example under /tmp or /var/lib) or open the parent folders (chmod o+x).");
        }
    }

    private async Task InitDbAsync(CancellationToken cancellationToken)
    {
        if (Directory.Exists(DataDirectory) && Directory.EnumerateFileSystemEntries(DataDirectory).Any())
        {
            throw new PostgresClusterException(
                $"'{DataDirectory}' is not empty but holds no PG_VERSION: an earlier initdb did not finish. Delete that folder to start afresh.");
        }

        List<string> arguments =
        [
            "--pgdata", DataDirectory,
            "--username", Superuser,
            // Trust: a private dev/test cluster reachable only from this machine (listen_addresses is 127.0.0.1).
            "--auth", "trust",
            "--encoding", "UTF8",
            "--locale", "C",
            "--no-instructions",
        ];
        if (!_options.Fsync)
            arguments.Add("--no-sync");

        var initdb = await ProcessRunner.RunAsync(_binaries!.InitDb, arguments, RunAs, Folder, cancellationToken);
        if (!initdb.Succeeded)
            throw new PostgresClusterException($"initdb failed (exit code {initdb.ExitCode}) for '{DataDirectory}':\n{initdb.Output}");

        // Settings that may change between starts (port, fsync) live in a file rewritten before every start.
        await File.AppendAllTextAsync(
            Path.Combine(DataDirectory, "postgresql.conf"),
            $"\n# Written by SCOFacts: the settings of this private cluster, rewritten on every start.\ninclude_if_exists = '{SettingsFileName}'\n",
            cancellationToken);
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        RemoveStalePidFile();
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var port = ChoosePort();
            await WriteSettingsAsync(port, cancellationToken);
            var logLength = File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;

            var timeoutSeconds = Math.Max(1, (int)Math.Ceiling(_options.StartTimeout.TotalSeconds));
            var start = await ProcessRunner.RunAsync(
                _binaries!.PgCtl,
                ["start", "--pgdata", DataDirectory, "--log", LogFile, "--wait", "--timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture), "--silent"],
                RunAs,
                Folder,
                cancellationToken);
            if (start.Succeeded)
            {
                await File.WriteAllTextAsync(PortFile, port.ToString(CultureInfo.InvariantCulture), cancellationToken);
                await WaitUntilAcceptingAsync(port, cancellationToken);
                _port = port;
                return;
            }

            var log = ReadLogSince(logLength);
            // Another program can take the port between choosing it and the server binding it.
            if (attempt < attempts && log.Contains("could not bind", StringComparison.OrdinalIgnoreCase))
            {
                if (File.Exists(PortFile))
                    File.Delete(PortFile);
                continue;
            }
            throw new PostgresClusterException(
                $"pg_ctl start failed (exit code {start.ExitCode}) for '{DataDirectory}':\n{start.Output}\nServer log:\n{log}");
        }
    }

    private async Task StopServerAsync(string mode, CancellationToken cancellationToken)
    {
        if (_binaries is null || _folder is null || !File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            _port = null;
            return;
        }
        var stop = await ProcessRunner.RunAsync(
            _binaries.PgCtl, ["stop", "--pgdata", DataDirectory, "--mode", mode, "--wait", "--timeout", "60", "--silent"], RunAs, Folder, cancellationToken);
        // pg_ctl answers 1 with "Is server running?" when the pid file is stale; the server is down either way.
        if (!stop.Succeeded && ReadRunningPostmaster() is not null)
            throw new PostgresClusterException($"pg_ctl stop failed (exit code {stop.ExitCode}) for '{DataDirectory}':\n{stop.Output}");
        if (_port is not null)
        {
            // Idle pooled connections to the stopped server are dead; after a restart on the same port they would
            // be handed out and fail on first use.
            using var pooled = new NpgsqlConnection(ConnectionString);
            NpgsqlConnection.ClearPool(pooled);
        }
        _port = null;
    }

    private int ChoosePort()
    {
        if (!IsThrowaway && File.Exists(PortFile)
            && int.TryParse(File.ReadAllText(PortFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var remembered)
            && remembered is > 0 and < 65536
            && IsPortFree(remembered))
        {
            return remembered;
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsPortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task WriteSettingsAsync(int port, CancellationToken cancellationToken)
    {
        var socketPath = Path.Combine(SocketDirectory, $".s.PGSQL.{port}");
        // A folder too deep for a unix socket path gets none: clients here connect over TCP anyway.
        var socketDirectories = Encoding.UTF8.GetByteCount(socketPath) <= MaxSocketPathLength ? SocketDirectory : "";
        var settings = new StringBuilder()
            .AppendLine("# Rewritten by SCOFacts' LocalPostgresCluster before every start; edits here are lost.")
            .AppendLine("listen_addresses = '127.0.0.1'")
            .AppendLine(CultureInfo.InvariantCulture, $"port = {port}")
            .AppendLine(CultureInfo.InvariantCulture, $"unix_socket_directories = '{Quote(socketDirectories)}'")
            .AppendLine(CultureInfo.InvariantCulture, $"max_connections = {_options.MaxConnections}")
            .AppendLine(CultureInfo.InvariantCulture, $"shared_buffers = '{Quote(_options.SharedBuffers)}'")
            .AppendLine(CultureInfo.InvariantCulture, $"fsync = {(_options.Fsync ? "on" : "off")}");
        if (!_options.Fsync)
        {
            // Without fsync nothing survives a crash anyway, so the other durability costs buy nothing either.
            settings.AppendLine("synchronous_commit = off").AppendLine("full_page_writes = off");
        }
        var path = Path.Combine(DataDirectory, SettingsFileName);
        await File.WriteAllTextAsync(path, settings.ToString(), cancellationToken);
        if (RunAs is not null)
            await ProcessRunner.RunAsync("chown", [$"{ServiceUser}:", path], runAs: null, Folder, cancellationToken);
    }

    private static string Quote(string value) => value.Replace("'", "''", StringComparison.Ordinal);

    private async Task WaitUntilAcceptingAsync(int port, CancellationToken cancellationToken)
    {
        var probe = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = Superuser,
            Database = "postgres",
            Pooling = false,
            Timeout = 5,
        }.ConnectionString;
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(probe);
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("select 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && clock.Elapsed < _options.StartTimeout)
            {
                // Started but still recovering or not yet listening: poll again shortly.
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                throw new PostgresClusterException(
                    $"The server in '{DataDirectory}' did not accept connections on 127.0.0.1:{port} within {_options.StartTimeout}. Server log:\n{ReadLogSince(0)}", e);
            }
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    private readonly record struct Postmaster(int ProcessId, int Port);

    /// <summary>The server recorded in postmaster.pid, when that process is alive and is a PostgreSQL server.</summary>
    private Postmaster? ReadRunningPostmaster()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        string[] lines;
        try
        {
            lines = File.ReadAllLines(pidFile);
        }
        catch (IOException)
        {
            return null;
        }
        // Line 1 is the postmaster's process id, line 4 its port.
        if (lines.Length < 4
            || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !int.TryParse(lines[3], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return null;
        }
        return IsPostgresProcess(pid) ? new Postmaster(pid, port) : null;
    }

    private static bool IsPostgresProcess(int pid)
    {
        var comm = $"/proc/{pid}/comm";
        if (File.Exists(comm))
        {
            try
            {
                var name = File.ReadAllText(comm).Trim();
                // A killed server nobody has reaped yet keeps its name but is a zombie: state Z after "(name) ".
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var state = stat.LastIndexOf(')') is var close and > 0 && close + 2 < stat.Length ? stat[close + 2] : '?';
                return name is "postgres" or "postmaster" && state is not ('Z' or 'X');
            }
            catch (IOException)
            {
                return false; // Gone between the check and the read.
            }
        }
        if (Directory.Exists("/proc"))
            return false;
        // No /proc (macOS): believe the process table.
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// A crashed run leaves postmaster.pid behind. The server copes with that on its own unless the recorded
    /// process id now belongs to another program, in which case it refuses to start; so the file goes first.
    /// </summary>
    private void RemoveStalePidFile()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (File.Exists(pidFile) && ReadRunningPostmaster() is null)
            File.Delete(pidFile);
    }

    private string ReadLogSince(long offset)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            return text.Length > 4000 ? text[^4000..] : text;
        }
        catch (IOException)
        {
            return "(no server log)";
        }
    }

    /// <summary>
    /// Throwaway clusters whose owning process died without disposing them (killed test hosts) still run and
    /// fill the temporary folder; stop and remove those.
    /// </summary>
    private async Task RemoveAbandonedThrowawaysAsync(CancellationToken cancellationToken)
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), ThrowawayPrefix + "*"))
        {
            try
            {
                var ownerFile = Path.Combine(folder, OwnerFileName);
                if (!File.Exists(ownerFile)
                    || !int.TryParse(File.ReadAllText(ownerFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var owner)
                    || IsAlive(owner))
                {
                    continue;
                }
                var data = Path.Combine(folder, "data");
                if (File.Exists(Path.Combine(data, "postmaster.pid")))
                {
                    await ProcessRunner.RunAsync(
                        _binaries!.PgCtl, ["stop", "--pgdata", data, "--mode", "immediate", "--wait", "--silent"], RunAs, folder, cancellationToken);
                }
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PostgresClusterException)
            {
                // Best effort: someone else's leftovers must not stop this cluster from starting.
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        if (Directory.Exists("/proc"))
            return Directory.Exists($"/proc/{pid}");
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
