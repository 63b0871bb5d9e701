namespace SCOFacts.Api.Storage;

/// <summary>
/// How quickly nodes sharing one database notice that one of them has gone (section <c>Nodes</c>). See
/// docs/scaling.md for what each setting bounds and the failover times measured with the defaults.
/// </summary>
public sealed class NodeOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Nodes";

    /// <summary>
    /// How often a node that holds no daemon shard tries to take the free ones. PostgreSQL frees a dead node's
    /// advisory locks as soon as its connections drop, so this is most of the sealer's and trust's takeover time.
    /// </summary>
    public TimeSpan LeadershipPolling { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often each node writes its messaging heartbeat and the messaging leader checks the others.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A node whose heartbeat is older than this is taken for dead: its unfinished inbox and outbox messages are
    /// released to the nodes still running. Keep it well above <see cref="Heartbeat"/>, or a busy node is ejected.
    /// </summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often messages owned by no running node are looked for and released.</summary>
    public TimeSpan OrphanSweep { get; set; } = TimeSpan.FromSeconds(2);
}
