using System.Globalization;

namespace SCOFacts.EventStore.Hosting;

/// <summary>
/// The folder holding a PostgreSQL server installation's programs (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>).
/// </summary>
public sealed class PostgresBinaries
{
    /// <summary>The environment variable that names the folder explicitly; it wins over every other place.</summary>
    public const string DirectoryVariable = "SCOFACTS_PG_BIN";

    private const string DebianRoot = "/usr/lib/postgresql";

    private PostgresBinaries(string directory) => Directory = directory;

    /// <summary>The folder the programs were found in.</summary>
    public string Directory { get; }

    /// <summary>Full path of <c>initdb</c>.</summary>
    public string InitDb => Path.Combine(Directory, "initdb");

    /// <summary>Full path of <c>pg_ctl</c>.</summary>
    public string PgCtl => Path.Combine(Directory, "pg_ctl");

    /// <summary>Full path of the <c>postgres</c> server program.</summary>
    public string Postgres => Path.Combine(Directory, "postgres");

    /// <summary>
    /// Finds the programs: the folder named by <c>SCOFACTS_PG_BIN</c>, else the first folder on <c>PATH</c>
    /// holding all three, else the highest version under <c>/usr/lib/postgresql/*/bin</c>.
    /// </summary>
    /// <exception cref="PostgresBinariesNotFoundException">None of those places holds them.</exception>
    public static PostgresBinaries Locate() =>
        Locate(
            Environment.GetEnvironmentVariable(DirectoryVariable),
            Environment.GetEnvironmentVariable("PATH"),
            DebianRoot);

    /// <summary>The same search with its inputs given, so tests need not change the process environment.</summary>
    internal static PostgresBinaries Locate(string? explicitDirectory, string? path, string versionedRoot)
    {
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            // An explicit choice that is wrong is an error, not a hint to look elsewhere.
            return HasAllPrograms(explicitDirectory)
                ? new PostgresBinaries(Path.GetFullPath(explicitDirectory))
                : throw new PostgresBinariesNotFoundException(
                    $"{DirectoryVariable} is set to '{explicitDirectory}', but that folder does not hold initdb, pg_ctl and postgres. "
                    + InstallHint);
        }

        foreach (var folder in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (HasAllPrograms(folder))
                return new PostgresBinaries(Path.GetFullPath(folder));
        }

        if (System.IO.Directory.Exists(versionedRoot))
        {
            var newest = System.IO.Directory.EnumerateDirectories(versionedRoot)
                .Select(d => (Folder: Path.Combine(d, "bin"), Version: ParseVersion(Path.GetFileName(d))))
                .Where(c => c.Version is not null && HasAllPrograms(c.Folder))
                .OrderByDescending(c => c.Version)
                .FirstOrDefault();
            if (newest.Folder is not null)
                return new PostgresBinaries(newest.Folder);
        }

        throw new PostgresBinariesNotFoundException(
            $"The PostgreSQL server programs (initdb, pg_ctl, postgres) were not found: {DirectoryVariable} is not set, "
            + $"no folder on PATH holds them and there is no {versionedRoot}/<version>/bin. " + InstallHint);
    }

    private const string InstallHint =
        "Install them (Debian/Ubuntu: 'apt-get update && apt-get install -y postgresql'), "
        + $"or set {DirectoryVariable} to the folder holding initdb, "
        + "or point the application at an existing server with a connection string.";

    private static bool HasAllPrograms(string folder) =>
        File.Exists(Path.Combine(folder, "initdb"))
        && File.Exists(Path.Combine(folder, "pg_ctl"))
        && File.Exists(Path.Combine(folder, "postgres"));

    // Folder names are "15", "16", or on old layouts "9.6".
    private static Version? ParseVersion(string name) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? new Version(major, 0)
        : Version.TryParse(name, out var version) ? version
        : null;
}
