using SCOFacts.EventStore.Migrations;
using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests.Migrations;

/// <summary>
/// A migration that has shipped is applied on databases this repository cannot see, and the
/// runner refuses to start on one whose file has changed since: change the schema in a new file.
/// </summary>
public sealed class ReleasedMigrationTests
{
    // Add a file here once a release has carried it; never change a line.
    private static readonly Dictionary<string, string> Released = new(StringComparer.Ordinal)
    {
        ["0001_event_store.sql"] = "fb3233a80cbe93aa69c6d625a29bf752eb1808e7956bfc0b927d3f390a262a4f",
        ["0002_api_platform.sql"] = "a0e02ee00c0a8bc3d9fc9abbea39079c823fd9fbfd221c73408efef7b4982b70",
        ["0003_read_models.sql"] = "fd93ec03ea83f1876fd9e320dc0fcbd9b40a14017e7d4c67ef401124613eb7bb",
        ["0004_trust.sql"] = "d708223bc61b66290206ef00e2238d660857aa346874418052b86e28c77bfeb3",
    };

    [Fact]
    public void Released_migrations_are_never_edited()
    {
        var scripts = MigrationScript.ReadDirectory(TestDatabase.MigrationsDirectory).ToDictionary(s => s.FileName, s => s.Checksum, StringComparer.Ordinal);

        Assert.All(Released, released =>
        {
            Assert.True(scripts.TryGetValue(released.Key, out var checksum), $"{released.Key} has shipped and must stay in migrations/");
            Assert.True(checksum == released.Value, $"{released.Key} has shipped: its checksum must stay {released.Value}, not {checksum}");
        });
    }
}
