using System.Globalization;
using Npgsql;
using SCOFacts.EventStore;
using SCOFacts.EventStore.Migrations;

namespace SCOFacts.Testing;

/// <summary>
/// A freshly created, uniquely named database on <see cref="PostgresServer"/>, dropped (with its sessions
/// ended) on dispose. Use it directly for a database per test; <see cref="DatabaseFixture"/> gives one per test class.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _serverConnectionString;
    private bool _disposed;

    private TestDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
        DataSource = CreateDataSource();
    }

    /// <summary>The migrations folder copied next to the test assemblies (it may be missing when the repository has none).</summary>
    public static string MigrationsDirectory => Path.Combine(AppContext.BaseDirectory, "migrations");

    /// <summary>The database's name.</summary>
    public string Name { get; }

    /// <summary>A connection string to this database.</summary>
    public string ConnectionString { get; }

    /// <summary>A data source for this database with the application's settings (<see cref="EventStoreDataSource"/>), disposed with it.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Creates an empty database (nothing migrated).</summary>
    public static async Task<TestDatabase> CreateEmptyAsync(CancellationToken cancellationToken = default)
    {
        var server = await PostgresServer.GetConnectionStringAsync();
        // Unquoted lower-case identifiers, well under the 63-byte limit.
        var name = "scofacts_test_" + Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture)[..20];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"create database {name}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        return new TestDatabase(server, name);
    }

    /// <summary>Creates a database with the repository's migrations applied (none when the folder is empty or missing).</summary>
    public static async Task<TestDatabase> CreateMigratedAsync(CancellationToken cancellationToken = default)
    {
        var database = await CreateEmptyAsync(cancellationToken);
        try
        {
            if (Directory.Exists(MigrationsDirectory))
                await new MigrationRunner(database.DataSource, MigrationsDirectory).ApplyAsync(cancellationToken);
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new data source for this database (to act as a second process, say); the caller disposes it.</summary>
    public NpgsqlDataSource CreateDataSource() => EventStoreDataSource.Create(ConnectionString);

    /// <summary>Disposes the data source and drops the database, ending any sessions still connected to it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await DataSource.DisposeAsync();
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists {Name} with (force)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
