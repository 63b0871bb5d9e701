using JasperFx;
using JasperFx.Events.Daemon;

namespace SCOFacts.Api.Storage;

/// <summary>
/// Starts again, from its stored progression, a shard this node holds that Marten's daemon stopped because its
/// progression had moved under it (<see cref="ProgressionProgressOutOfOrderException"/>).
/// </summary>
/// <remarks>
/// Under HotCold a node that loses a shard's lock (its lock connection ended) can finish the page in hand before it
/// notices, while the node that took the lock over has started the shard from the progression stored then. The new
/// holder's next batch then finds the progression moved, and the daemon stops the shard and leaves it stopped while
/// its node still holds the lock: nothing would run it again. Every batch of the sealer and of learned trust may be
/// applied again (both re-derive what they write), so starting the shard from what is stored loses and doubles
/// nothing. Any other failure stops the shard for an operator to look at, as before.
/// </remarks>
internal sealed partial class ShardWatchdog(DaemonHost host, IConfiguration configuration, IServiceProvider services, ILogger<ShardWatchdog> logger)
    : BackgroundService
{
    /// <summary>How often the node's shards are looked at.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private long _restarts;

    /// <summary>Shards this node started again after a moved progression (for tests and diagnostics).</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (host.Distribution != NodeDistribution.HotCold || !configuration.GetValue(DaemonHost.EnabledSetting, true)) return;
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RestartMovedShardsAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogCheckFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the daemon stops its shards itself.
        }
    }

    private async Task RestartMovedShardsAsync(CancellationToken cancellationToken)
    {
        var daemon = services.GetRequiredService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>().DaemonForMainDatabase();
        foreach (var agent in daemon.CurrentAgents())
        {
            if (agent.Status != AgentStatus.Stopped || agent.Failure is not { } failure || !MovedUnderIt(failure)) continue;
            var shard = agent.Name.Identity;
            LogRestarting(logger, shard, failure.Message);
            await daemon.StopAgentAsync(shard);
            await daemon.StartAgentAsync(shard, cancellationToken);
            Interlocked.Increment(ref _restarts);
        }
    }

    private static bool MovedUnderIt(ShardFailure failure) =>
        failure.RootExceptionType == typeof(ProgressionProgressOutOfOrderException).FullName
        || failure.ExceptionType == typeof(ProgressionProgressOutOfOrderException).FullName;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Shard} stopped because its progression moved under it ({Reason}); starting it again from the stored progression")]
    private static partial void LogRestarting(ILogger logger, string shard, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look at this node's daemon shards; trying again")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
