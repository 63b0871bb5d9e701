using SCOFacts.Api.Cli;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Storage;

/// <summary><c>schema check</c> and <c>schema export</c>: Marten's schema tooling over the migrated database.</summary>
public sealed class SchemaVerbTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Check_passes_on_a_database_built_by_the_migrations_and_export_then_has_nothing_to_add()
    {
        FactsVerbs.Register();
        var (checkCode, checkOut, _) = await CliRun.AgainstAsync(fixture.ConnectionString, "schema", "check");
        Assert.Equal(CliVerbs.Success, checkCode);
        Assert.Contains("matches Marten's configuration", checkOut, StringComparison.Ordinal);

        var file = Path.Combine(Path.GetTempPath(), $"scofacts-schema-{Guid.NewGuid():N}.sql");
        try
        {
            var (exportCode, _, _) = await CliRun.AgainstAsync(fixture.ConnectionString, "schema", "export", file);
            Assert.Equal(CliVerbs.Success, exportCode);
            // Up to date: Marten's export holds no statement.
            Assert.DoesNotContain("CREATE", File.Exists(file) ? await File.ReadAllTextAsync(file) : "", StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Check_fails_when_the_database_lacks_part_of_Marten_s_schema()
    {
        FactsVerbs.Register();
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using (var drop = database.DataSource.CreateCommand("DROP TABLE mt_high_water_skips"))
            await drop.ExecuteNonQueryAsync();

        var (code, output, _) = await CliRun.AgainstAsync(database.ConnectionString, "schema", "check");

        Assert.Equal(CliVerbs.Failure, code);
        Assert.Contains("differs from Marten's configuration", output, StringComparison.Ordinal);
    }
}
