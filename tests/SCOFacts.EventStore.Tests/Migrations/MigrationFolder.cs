namespace SCOFacts.EventStore.Tests.Migrations;

/// <summary>A temporary migrations folder for one test.</summary>
internal sealed class MigrationFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("scofacts-migrations-").FullName;

    public MigrationFolder Write(string fileName, string sql)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, fileName), sql);
        return this;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
