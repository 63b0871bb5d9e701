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

    /// <summary>
    /// Who decides which node runs each daemon shard. Every node sharing a database must use the same value: the two
    /// ways know nothing of each other. <see cref="NodeDistribution.HotCold"/> is the default because it moves a dead
    /// node's shards fastest (see docs/scaling.md).
    /// </summary>
    public NodeDistribution Distribution { get; set; } = NodeDistribution.HotCold;

    /// <summary>
    /// Reads <c>Nodes:Distribution</c>, refusing anything but a mode's name (the options binder would also take a
    /// number), at registration, before anything runs: a node in the wrong mode would run the shards beside the
    /// others.
    /// </summary>
    /// <exception cref="InvalidOperationException">The setting names no mode.</exception>
    public static NodeDistribution ReadDistribution(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[$"{Section}:{nameof(Distribution)}"];
        if (string.IsNullOrWhiteSpace(value))
            return NodeDistribution.HotCold;
        var known = Enum.GetNames<NodeDistribution>();
        var name = known.FirstOrDefault(n => string.Equals(n, value.Trim(), StringComparison.OrdinalIgnoreCase));
        return name is not null
            ? Enum.Parse<NodeDistribution>(name)
            : throw new InvalidOperationException(
                $"The setting {Section}:{nameof(Distribution)} is '{value}'; it must be one of {string.Join(", ", known)}.");
    }
}

/// <summary>How the async daemon's shards (the ledger sealer, learned trust) are spread over the nodes.</summary>
public enum NodeDistribution
{
    /// <summary>
    /// Marten's HotCold daemon: every node tries to take each shard's advisory lock; the holder runs it. A dead node's
    /// shards are free as soon as PostgreSQL drops its connections.
    /// </summary>
    HotCold,

    /// <summary>
    /// Wolverine's agent framework: the elected leader assigns each shard to one node and spreads them evenly. A dead
    /// node's shards move once the leader has found its heartbeat stale.
    /// </summary>
    Wolverine,
}
