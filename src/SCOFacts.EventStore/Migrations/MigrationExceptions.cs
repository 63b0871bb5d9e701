namespace SCOFacts.EventStore.Migrations;

/// <summary>Migrations could not be applied; <see cref="FileName"/> names the file at fault.</summary>
public abstract class MigrationException : Exception
{
    /// <summary>Creates the exception for <paramref name="fileName"/>.</summary>
    protected MigrationException(string fileName, string message, Exception? innerException = null)
        : base(message, innerException) => FileName = fileName;

    /// <summary>The migration file at fault.</summary>
    public string FileName { get; }
}

/// <summary>A file in the migrations folder is badly named, shares its number with another, or renames an applied migration.</summary>
public sealed class InvalidMigrationFileException : MigrationException
{
    /// <summary>Creates the exception.</summary>
    public InvalidMigrationFileException(string fileName, string message)
        : base(fileName, message)
    {
    }
}

/// <summary>
/// A migration that the database records as applied has been edited since. Applied migrations are history:
/// add a new file instead of changing an old one.
/// </summary>
public sealed class MigrationChecksumMismatchException : MigrationException
{
    /// <summary>Creates the exception.</summary>
    public MigrationChecksumMismatchException(string fileName, string appliedChecksum, string currentChecksum)
        : base(
            fileName,
            $"Migration '{fileName}' was applied with checksum {appliedChecksum} but the file now has {currentChecksum}. "
            + "Applied migrations must not be edited: restore the file and add a new migration for the change.")
    {
        AppliedChecksum = appliedChecksum;
        CurrentChecksum = currentChecksum;
    }

    /// <summary>The checksum recorded when the file was applied.</summary>
    public string AppliedChecksum { get; }

    /// <summary>The checksum of the file as it is now.</summary>
    public string CurrentChecksum { get; }
}

/// <summary>A migration's SQL failed; its transaction was rolled back and earlier migrations stay applied.</summary>
public sealed class MigrationFailedException : MigrationException
{
    /// <summary>Creates the exception around the database's error.</summary>
    public MigrationFailedException(string fileName, Exception innerException)
        : base(fileName, $"Migration '{fileName}' failed and was rolled back: {innerException.Message}", innerException)
    {
    }
}
