using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SCOFacts.EventStore.Hosting;

/// <summary>How <see cref="LocalPostgresSupervisor"/> watches and restarts its cluster.</summary>
public sealed record LocalPostgresSupervisorOptions
{
    /// <summary>How often the server's process is looked at while it runs.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The wait after the first failed restart; it doubles after each further failure.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between two restart attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>What the supervisor last saw.</summary>
/// <param name="IsUp">True while the server runs.</param>
/// <param name="Restarts">How many times it was found dead and started again.</param>
/// <param name="LastRestartAt">When it last came back.</param>
/// <param name="DownSince">When it was found dead, while it is down.</param>
/// <param name="FailedAttempts">Restart attempts that failed since it went down.</param>
/// <param name="LastError">Why the last attempt failed, while it is down.</param>
public sealed record LocalPostgresSupervision(bool IsUp, int Restarts, DateTimeOffset? LastRestartAt, DateTimeOffset? DownSince, int FailedAttempts, string? LastError);

/// <summary>
/// Keeps a <see cref="LocalPostgresCluster"/> running: looks at its server process every
/// <see cref="LocalPostgresSupervisorOptions.CheckInterval"/>, and when it has died starts it again, backing off
/// exponentially while starting fails (a killed server's sessions hold its shared memory for a moment, and
/// crash recovery takes as long as it takes). A cluster stopped on purpose is left alone.
/// </summary>
public sealed partial class LocalPostgresSupervisor
{
    private readonly LocalPostgresCluster _cluster;
    private readonly LocalPostgresSupervisorOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private LocalPostgresSupervision _state = new(true, 0, null, null, 0, null);

    /// <summary>Creates a supervisor for a started cluster; <see cref="RunAsync"/> does the watching.</summary>
    public LocalPostgresSupervisor(LocalPostgresCluster cluster, LocalPostgresSupervisorOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    {
        _cluster = cluster ?? throw new ArgumentNullException(nameof(cluster));
        _options = options ?? new LocalPostgresSupervisorOptions();
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Raised after the server was restarted and accepts connections again: drop pooled connections to the dead one.</summary>
    public event EventHandler? Restarted;

    /// <summary>The current state.</summary>
    public LocalPostgresSupervision State => Volatile.Read(ref _state);

    /// <summary>Watches until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = _options.MinBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            var state = State;
            if (_cluster.IsServerAlive)
            {
                await DelayAsync(_options.CheckInterval, cancellationToken);
                continue;
            }

            var now = _time.GetUtcNow();
            if (state.IsUp)
            {
                LogFoundDead(_logger, _cluster.Folder);
                state = state with { IsUp = false, DownSince = now, FailedAttempts = 0, LastError = null };
                Volatile.Write(ref _state, state);
                backoff = _options.MinBackoff;
            }
            try
            {
                if (await _cluster.RestartIfDeadAsync(cancellationToken))
                {
                    var downFor = _time.GetUtcNow() - state.DownSince!.Value;
                    Volatile.Write(ref _state, new LocalPostgresSupervision(true, state.Restarts + 1, _time.GetUtcNow(), null, 0, null));
                    LogRestarted(_logger, _cluster.Folder, _cluster.Port, downFor.TotalSeconds, state.FailedAttempts + 1);
                    Restarted?.Invoke(this, EventArgs.Empty);
                    continue;
                }
                // Stopped on purpose, or it came back by itself: nothing to restart.
                Volatile.Write(ref _state, state with { IsUp = _cluster.IsServerAlive, DownSince = _cluster.IsServerAlive ? null : state.DownSince });
                await DelayAsync(_options.CheckInterval, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Volatile.Write(ref _state, state with { FailedAttempts = state.FailedAttempts + 1, LastError = FirstLine(e.Message) });
                LogRestartFailed(_logger, state.FailedAttempts + 1, backoff.TotalSeconds, FirstLine(e.Message));
                await DelayAsync(backoff, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The loop's condition ends it.
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    [LoggerMessage(Level = LogLevel.Error, Message = "The local PostgreSQL server in {Folder} has died; restarting it")]
    private static partial void LogFoundDead(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The local PostgreSQL server in {Folder} is back on port {Port} after {Seconds:0.0} s (attempt {Attempt})")]
    private static partial void LogRestarted(ILogger logger, string folder, int port, double seconds, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restarting the local PostgreSQL server failed (attempt {Attempt}); next attempt in {Seconds:0.0} s: {Reason}")]
    private static partial void LogRestartFailed(ILogger logger, int attempt, double seconds, string reason);
}
