namespace SCOFacts.EventStore;

/// <summary>An append lost a race: the stream was not at the version the caller expected.</summary>
public sealed class ConcurrencyException : Exception
{
    /// <summary>Creates the exception for a stream, the expectation and what was found.</summary>
    public ConcurrencyException(string streamId, ExpectedVersion expected, long? actualVersion, Exception? inner = null)
        : base($"Stream '{streamId}' is at version {actualVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}, expected {expected}.", inner)
    {
        StreamId = streamId;
        Expected = expected;
        ActualVersion = actualVersion;
    }

    /// <summary>The stream appended to.</summary>
    public string StreamId { get; }

    /// <summary>What the caller expected.</summary>
    public ExpectedVersion Expected { get; }

    /// <summary>The version the stream was at, when the database said.</summary>
    public long? ActualVersion { get; }
}
