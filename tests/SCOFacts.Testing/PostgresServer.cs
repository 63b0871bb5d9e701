using Npgsql;
using SCOFacts.EventStore.Hosting;

namespace SCOFacts.Testing;

/// <summary>
/// The one PostgreSQL server a test process uses: the server named by <c>SCOFACTS_TEST_CONNECTION</c> when it is
/// set, otherwise a throwaway local cluster started on first use and removed when the process exits.
/// </summary>
public static class PostgresServer
{
    /// <summary>The environment variable holding a connection string to an existing server (a superuser, or a role that may create databases).</summary>
    public const string ConnectionVariable = "SCOFACTS_TEST_CONNECTION";

    private static readonly Lazy<Task<string>> Server = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static LocalPostgresCluster? _cluster;

    /// <summary>A connection string to the server's administrative database, starting the throwaway cluster if this is the first call.</summary>
    public static Task<string> GetConnectionStringAsync() => Server.Value;

    /// <summary>The throwaway cluster, when this process started one (null when an existing server is used or before first use).</summary>
    public static LocalPostgresCluster? Cluster => _cluster;

    private static async Task<string> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            // Fail here, once, with the variable's name, rather than in every test with a bare socket error.
            try
            {
                await using var connection = new NpgsqlConnection(configured);
                await connection.OpenAsync();
            }
            catch (Exception e) when (e is NpgsqlException or ArgumentException)
            {
                throw new InvalidOperationException($"{ConnectionVariable} is set but its server cannot be reached: {e.Message}", e);
            }
            return configured;
        }

        // Tests recreate everything they need, so durability only costs time here.
        var cluster = LocalPostgresCluster.CreateThrowaway(new LocalPostgresClusterOptions { Fsync = false });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAtExit(cluster);
        await cluster.StartAsync();
        _cluster = cluster;
        return cluster.ConnectionString;
    }

    private static void StopAtExit(LocalPostgresCluster cluster)
    {
        try
        {
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is PostgresClusterException or IOException or UnauthorizedAccessException)
        {
            // Too late to fail a test; the cluster's watchdog removes what is left once this process is gone.
            Console.Error.WriteLine($"Could not remove the test PostgreSQL cluster: {e.Message}");
        }
    }
}
