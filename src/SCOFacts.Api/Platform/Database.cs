using Microsoft.Extensions.Options;
using Npgsql;
using SCOFacts.EventStore.Hosting;

namespace SCOFacts.Api.Platform;

/// <summary>Settings for the database bootstrap (section <c>LocalDatabase</c>; the connection string is <c>ConnectionStrings:SCOFacts</c>).</summary>
public sealed class LocalDatabaseOptions
{
    public const string Section = "LocalDatabase";

    /// <summary>Where the local cluster lives when no connection string is configured, relative to the current directory.</summary>
    public string Folder { get; set; } = Path.Combine(".data", "postgres");

    /// <summary>The database created in the local cluster.</summary>
    public string DatabaseName { get; set; } = "scofacts";

    /// <summary>
    /// Whether a missing local cluster or database is created. The command-line verbs turn it off: a verb run from
    /// the wrong folder must not quietly start an empty store beside the real one.
    /// </summary>
    public bool CreateIfMissing { get; set; } = true;
}

/// <summary>No local cluster (or no database in it) where the settings point, and creating one was not allowed.</summary>
/// <param name="message">What is missing, naming the full path of the folder that was looked in.</param>
public sealed class LocalDatabaseMissingException(string message) : Exception(message);

/// <summary>
/// Where the application's database is: the configured connection string, or a persistent local cluster started
/// on first use. Resolving the connection string is lazy because a fresh local cluster only knows its port once
/// it runs, and because test hosts supply configuration after Program's top-level code has run.
/// </summary>
public sealed class ScoFactsDatabase : IAsyncDisposable
{
    public const string ConnectionStringName = "SCOFacts";

    private readonly IConfiguration _configuration;
    private readonly IOptions<LocalDatabaseOptions> _options;
    private readonly ILogger<ScoFactsDatabase> _logger;
    private readonly Lazy<Task<string>> _connectionString;
    private LocalPostgresCluster? _cluster;

    public ScoFactsDatabase(IConfiguration configuration, IOptions<LocalDatabaseOptions> options, ILogger<ScoFactsDatabase> logger)
    {
        _configuration = configuration;
        _options = options;
        _logger = logger;
        _connectionString = new(ResolveAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The local cluster, when no connection string was configured and it has been started.</summary>
    public LocalPostgresCluster? LocalCluster => _cluster;

    /// <summary>The connection string to use, starting the local cluster and creating its database if needed.</summary>
    public Task<string> GetConnectionStringAsync() => _connectionString.Value;

    /// <summary>Stops the local cluster if this process started it.</summary>
    public async Task StopAsync()
    {
        if (_cluster is null)
            return;
        var cluster = _cluster;
        _cluster = null;
        // A cluster found running (the API's, when a verb runs beside it) is left running, and said so only in detail.
        if (cluster.StartedHere)
            _logger.LogInformation("Stopping the local PostgreSQL cluster in {Folder}", cluster.Folder);
        else
            _logger.LogDebug("Leaving the local PostgreSQL cluster in {Folder} running: this process did not start it", cluster.Folder);
        await cluster.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task<string> ResolveAsync()
    {
        var configured = _configuration.GetConnectionString(ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var builder = new NpgsqlConnectionStringBuilder(configured);
            _logger.LogInformation("Database: {Database} on {Host}:{Port} (from ConnectionStrings:{Name})", builder.Database, builder.Host, builder.Port, ConnectionStringName);
            return configured;
        }

        var options = _options.Value;
        var folder = ReachableFolder(Path.GetFullPath(options.Folder));
        if (!options.CreateIfMissing && !LocalPostgresCluster.ExistsIn(folder))
            throw new LocalDatabaseMissingException($"There is no SCOFacts database in {folder} (LocalDatabase:Folder '{options.Folder}' taken from the current folder {Environment.CurrentDirectory}).");
        var cluster = LocalPostgresCluster.Persistent(folder);
        await cluster.StartAsync();
        _cluster = cluster;
        _logger.LogInformation(
            "Database: no ConnectionStrings:{Name} configured, so a local PostgreSQL cluster runs in {Folder} on port {Port} (stopped when the API stops)",
            ConnectionStringName, cluster.Folder, cluster.Port);

        await using (var connection = new NpgsqlConnection(cluster.ConnectionString))
        {
            await connection.OpenAsync();
            await using var exists = new NpgsqlCommand("select exists (select 1 from pg_database where datname = $1)", connection);
            exists.Parameters.Add(new() { Value = options.DatabaseName });
            if (!(bool)(await exists.ExecuteScalarAsync())!)
            {
                if (!options.CreateIfMissing)
                    throw new LocalDatabaseMissingException($"The local cluster in {folder} has no database '{options.DatabaseName}'.");
                // Identifiers cannot be parameters; the quoted name is escaped.
                await using var create = new NpgsqlCommand($"create database \"{options.DatabaseName.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
                await create.ExecuteNonQueryAsync();
                _logger.LogInformation("Created database {Database} in the local cluster", options.DatabaseName);
            }
        }
        return new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = options.DatabaseName }.ConnectionString;
    }

    /// <summary>
    /// As root the cluster runs as the postgres user, who cannot reach a folder under a closed
    /// parent (a clone under /root, say). Then the data goes to /var/lib/scofacts/, one folder per
    /// configured path, so a second start finds it again; the log says where.
    /// </summary>
    private string ReachableFolder(string folder)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess) return folder;
        for (var parent = Path.GetDirectoryName(folder); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (!Directory.Exists(parent)) continue;
            if ((File.GetUnixFileMode(parent) & UnixFileMode.OtherExecute) == 0)
            {
                var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(folder)))[..12];
                var fallback = Path.Combine("/var/lib/scofacts", key, "postgres");
                _logger.LogWarning("The postgres user cannot reach {Folder} ({Parent} is closed to others); the local cluster lives in {Fallback} instead",
                    folder, parent, fallback);
                return fallback;
            }
        }
        return folder;
    }
}

/// <summary>
/// Tells a database that cannot be reached (down, restarting, recovering, out of connections) from one that
/// answered and refused: the first is the service's trouble and passes, so clients get 503 with Retry-After.
/// </summary>
public static class DatabaseFailures
{
    /// <summary>The Retry-After sent while the database is away: long enough not to hammer it, short enough to notice its return.</summary>
    public const int RetryAfterSeconds = 2;

    /// <summary>
    /// True for failures to reach the server: an Npgsql error without a server error code (refused or broken
    /// connections, timeouts, an exhausted pool), socket errors, and the server's own "going away" codes:
    /// connection exceptions (class 08), too many connections (53300), and shutdown or start-up in progress (57P01-57P03).
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // Work fanned out (a message handler, a batch of tasks) fails with all its causes: one outage is enough.
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Any(IsUnavailable);
                case PostgresException postgres:
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState is PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.AdminShutdown
                            or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow;
                case NpgsqlException:
                case System.Net.Sockets.SocketException:
                    return true;
            }
        }
        return false;
    }
}

/// <summary>
/// Supervises the local cluster when this process started one (no connection string configured): restarts its
/// server with backoff when it dies, then drops the pool's connections to the dead server. Its state is the
/// <c>local-cluster</c> readiness check.
/// </summary>
public sealed class LocalClusterSupervision(
    ScoFactsDatabase database,
    IServiceProvider services,
    ScoFactsMetrics metrics,
    ILogger<LocalPostgresSupervisor> logger) : BackgroundService
{
    private LocalPostgresSupervisor? _supervisor;

    /// <summary>The supervisor's state; null when there is no local cluster to supervise (yet).</summary>
    public LocalPostgresSupervision? State => _supervisor?.State;

    /// <summary>The supervised cluster, if any.</summary>
    public LocalPostgresCluster? Cluster => database.LocalCluster;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.GetConnectionStringAsync().WaitAsync(stoppingToken);
        if (database.LocalCluster is not { } cluster)
            return;
        var supervisor = new LocalPostgresSupervisor(cluster, logger: logger);
        supervisor.Restarted += (_, _) =>
        {
            services.ClearDatabasePools();
            metrics.LocalClusterRestarted();
        };
        _supervisor = supervisor;
        await supervisor.RunAsync(stoppingToken);
    }
}
