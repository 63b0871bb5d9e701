namespace SCOFacts.EventStore.Hosting;

/// <summary>The PostgreSQL server programs could not be found; the message says how to install them.</summary>
public sealed class PostgresBinariesNotFoundException : Exception
{
    /// <summary>Creates the exception with a message that says where was searched and how to fix it.</summary>
    public PostgresBinariesNotFoundException(string message)
        : base(message)
    {
    }
}
