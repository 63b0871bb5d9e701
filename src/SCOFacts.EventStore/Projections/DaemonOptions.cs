namespace SCOFacts.EventStore.Projections;

/// <summary>Settings of the <see cref="ProjectionDaemon"/>.</summary>
public sealed class DaemonOptions
{
    /// <summary>The advisory lock key every daemon on the database competes for.</summary>
    public long LeaderLockKey { get; init; } = 0x5C0FAC75;

    /// <summary>Events applied per projection transaction.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>How often to look for events (and leadership) when no NOTIFY arrives.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Pause after an unexpected error before trying again.</summary>
    public TimeSpan ErrorDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A name for this process in logs and status.</summary>
    public string InstanceId { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
}
