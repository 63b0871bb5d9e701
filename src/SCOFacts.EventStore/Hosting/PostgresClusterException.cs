namespace SCOFacts.EventStore.Hosting;

/// <summary>A local PostgreSQL cluster could not be created, started or stopped.</summary>
public sealed class PostgresClusterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PostgresClusterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the failure that caused it.</summary>
    public PostgresClusterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
