using Npgsql;
using Xunit;

namespace SCOFacts.Testing;

/// <summary>
/// For <c>IClassFixture&lt;DatabaseFixture&gt;</c>: a fresh database per test class with the repository's
/// <c>migrations/</c> applied, dropped when the class's tests are done.
/// </summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private TestDatabase? _database;

    /// <summary>The test class's database.</summary>
    public TestDatabase Database => _database ?? throw new InvalidOperationException("The fixture has not been initialised by xunit yet.");

    /// <summary>A connection string to the test class's database.</summary>
    public string ConnectionString => Database.ConnectionString;

    /// <summary>A data source for the test class's database.</summary>
    public NpgsqlDataSource DataSource => Database.DataSource;

    /// <summary>Creates and migrates the database.</summary>
    public async Task InitializeAsync() => _database = await TestDatabase.CreateMigratedAsync();

    /// <summary>Drops the database.</summary>
    public async Task DisposeAsync()
    {
        if (_database is not null)
            await _database.DisposeAsync();
    }
}
