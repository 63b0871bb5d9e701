using Npgsql;
using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests.Hosting;

public sealed class TestSupportTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Fixture_database_is_its_own_and_migrated()
    {
        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("select current_database(), to_regclass('schema_migrations') is not null", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());

        Assert.StartsWith("scofacts_test_", reader.GetString(0), StringComparison.Ordinal);
        Assert.Equal(fixture.Database.Name, reader.GetString(0));
        // The runner records its table even when the repository has no migrations yet.
        Assert.Equal(Directory.Exists(TestDatabase.MigrationsDirectory), reader.GetBoolean(1));
    }

    [Fact]
    public async Task A_test_database_is_dropped_on_dispose_even_with_sessions_open()
    {
        var database = await TestDatabase.CreateEmptyAsync();
        await using var open = await database.CreateDataSource().OpenConnectionAsync();

        await database.DisposeAsync();

        await using var server = new NpgsqlConnection(await PostgresServer.GetConnectionStringAsync());
        await server.OpenAsync();
        await using var exists = new NpgsqlCommand("select count(*) from pg_database where datname = $1", server) { Parameters = { new() { Value = database.Name } } };
        Assert.Equal(0L, await exists.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Wait_returns_once_the_condition_holds()
    {
        var calls = 0;
        await Wait.UntilAsync(() => Task.FromResult(++calls >= 3), TimeSpan.FromSeconds(5), "the third call");
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Wait_gives_up_with_the_reason_when_time_runs_out()
    {
        var timeout = await Assert.ThrowsAsync<TimeoutException>(
            () => Wait.UntilAsync(() => false, TimeSpan.FromMilliseconds(50), "pigs fly"));
        Assert.Contains("pigs fly", timeout.Message, StringComparison.Ordinal);
    }
}
