using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace SCOFacts.EventStore.Migrations;

/// <summary>One <c>NNNN_name.sql</c> file from a migrations folder.</summary>
/// <param name="Number">The four-digit number that orders it.</param>
/// <param name="FileName">The file's name, as recorded in <c>schema_migrations</c>.</param>
/// <param name="Sql">The file's text.</param>
/// <param name="Checksum">Lower-case hex SHA-256 of the text, with line endings normalised to LF and any BOM dropped.</param>
public sealed partial record MigrationScript(int Number, string FileName, string Sql, string Checksum)
{
    /// <summary>
    /// Reads every migration in <paramref name="directory"/>, ordered by number. Files whose name starts with a
    /// dot and <c>README.md</c> are ignored; any other file must be named <c>NNNN_name.sql</c> (four digits, then
    /// lower-case letters, digits and underscores) with a number no other file has.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidMigrationFileException">A file is badly named or shares its number with another.</exception>
    public static IReadOnlyList<MigrationScript> ReadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"The migrations folder '{directory}' does not exist.");

        var scripts = new List<MigrationScript>();
        foreach (var path in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.') || name == "README.md")
                continue;
            var match = FileNamePattern().Match(name);
            if (!match.Success)
            {
                throw new InvalidMigrationFileException(
                    name, $"Migration file '{name}' in '{directory}' is not named NNNN_name.sql (four digits, an underscore, lower-case letters, digits or underscores).");
            }
            var number = int.Parse(match.Groups["number"].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            var clash = scripts.Find(s => s.Number == number);
            if (clash is not null)
                throw new InvalidMigrationFileException(name, $"Migration files '{clash.FileName}' and '{name}' share the number {number:D4}.");

            scripts.Add(FromText(number, name, File.ReadAllText(path)));
        }
        scripts.Sort((a, b) => a.Number.CompareTo(b.Number));
        return scripts;
    }

    internal static MigrationScript FromText(int number, string fileName, string text)
    {
        // A checkout with CRLF line endings must not look like an edit of an applied file.
        var normalised = text.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal);
        var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalised)));
        return new MigrationScript(number, fileName, normalised, checksum);
    }

    internal static int? NumberOf(string fileName)
    {
        var match = FileNamePattern().Match(fileName);
        return match.Success ? int.Parse(match.Groups["number"].Value, NumberStyles.None, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"^(?<number>[0-9]{4})_[a-z0-9][a-z0-9_]*\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();
}
