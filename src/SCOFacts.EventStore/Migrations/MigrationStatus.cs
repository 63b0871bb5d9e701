namespace SCOFacts.EventStore.Migrations;

/// <summary>How a database compares with a migrations folder.</summary>
/// <param name="Applied">Files in the folder that the database records as applied, unchanged.</param>
/// <param name="Pending">Files in the folder not applied yet.</param>
/// <param name="Modified">Files applied with a different checksum than they have now.</param>
/// <param name="Unknown">Names recorded as applied that the folder lacks (applied by a newer version, perhaps).</param>
public sealed record MigrationStatus(
    IReadOnlyList<MigrationScript> Applied,
    IReadOnlyList<MigrationScript> Pending,
    IReadOnlyList<MigrationScript> Modified,
    IReadOnlyList<string> Unknown)
{
    /// <summary>True when every file in the folder is applied unchanged.</summary>
    public bool IsUpToDate => Pending.Count == 0 && Modified.Count == 0;
}
