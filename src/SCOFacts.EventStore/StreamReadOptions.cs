namespace SCOFacts.EventStore;

/// <summary>Which part of a stream to read; every bound is inclusive and optional.</summary>
public sealed record StreamReadOptions
{
    /// <summary>The first version to return (1 when absent).</summary>
    public long? FromVersion { get; init; }

    /// <summary>The last version to return: "the stream as it was at version N".</summary>
    public long? ToVersion { get; init; }

    /// <summary>Only events recorded at or before this moment: "the stream as it was known then".</summary>
    public DateTimeOffset? ToTimestamp { get; init; }

    /// <summary>Every event.</summary>
    public static StreamReadOptions All { get; } = new();
}
