namespace SCOFacts.EventStore.Hosting;

/// <summary>Settings for a <see cref="LocalPostgresCluster"/>.</summary>
public sealed record LocalPostgresClusterOptions
{
    /// <summary>
    /// Whether the server flushes writes to disk. Leave it on for anything whose data matters; turning it off
    /// makes throwaway test clusters much faster, and a crash then loses or corrupts that cluster.
    /// </summary>
    public bool Fsync { get; init; } = true;

    /// <summary>The server's <c>max_connections</c>; tests open many pools at once.</summary>
    public int MaxConnections { get; init; } = 300;

    /// <summary>The server's <c>shared_buffers</c>; modest, because several clusters may share one machine.</summary>
    public string SharedBuffers { get; init; } = "128MB";

    /// <summary>How long to wait for the server to accept connections after starting it.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The folder holding initdb, pg_ctl and postgres; when null they are located with <see cref="PostgresBinaries.Locate()"/>.</summary>
    public string? BinDirectory { get; init; }
}
