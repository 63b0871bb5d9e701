namespace SCOFacts.EventStore;

/// <summary>What the caller believes a stream's version is when it appends.</summary>
public readonly record struct ExpectedVersion
{
    private ExpectedVersion(long value) => Value = value;

    /// <summary>-2 for Any, -1 for NoStream, else the exact version.</summary>
    public long Value { get; }

    /// <summary>Append whatever the stream's version is.</summary>
    public static ExpectedVersion Any { get; } = new(-2);

    /// <summary>The stream must not exist yet.</summary>
    public static ExpectedVersion NoStream { get; } = new(-1);

    /// <summary>The stream must be at exactly this version (1 after its first event).</summary>
    public static ExpectedVersion Exact(long version) =>
        version >= 0 ? new(version) : throw new ArgumentOutOfRangeException(nameof(version));

    /// <inheritdoc />
    public override string ToString() => Value switch { -2 => "any", -1 => "no stream", _ => Value.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}
