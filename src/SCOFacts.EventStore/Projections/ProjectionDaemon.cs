using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace SCOFacts.EventStore.Projections;

/// <summary>
/// Runs asynchronous projections over the commit-order feed. Any number of processes
/// may run one; a PostgreSQL advisory lock elects the single leader that writes.
/// </summary>
/// <remarks>
/// The lock lives on a dedicated session and is re-checked on that session before every
/// batch: if the server ended the session (the lock is gone) the daemon stops writing at
/// once. Each batch advances its checkpoint with compare-and-set in the same transaction
/// as the projection's rows, so even a leader that has not yet noticed its demotion
/// cannot apply a batch twice.
/// </remarks>
public sealed partial class ProjectionDaemon : BackgroundService
{
    private readonly EventStore _store;
    private readonly IReadOnlyList<IProjection> _projections;
    private readonly DaemonOptions _options;
    private readonly ILogger _logger;
    private readonly AppendSignal _wake = new();
    private NpgsqlConnection? _lockConnection;
    private volatile bool _isLeader;

    /// <summary>Creates a daemon for the given asynchronous projections.</summary>
    public ProjectionDaemon(EventStore store, IEnumerable<IProjection> projections, DaemonOptions? options = null, ILogger<ProjectionDaemon>? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _projections = [.. projections];
        _options = options ?? new DaemonOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var names = _projections.Select(p => p.Name).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            throw new ArgumentException("Projection names must be unique.", nameof(projections));
    }

    /// <summary>True while this instance holds the leader lock.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>This instance's name.</summary>
    public string InstanceId => _options.InstanceId;

    /// <summary>The projections this daemon runs.</summary>
    public IReadOnlyList<IProjection> Projections => _projections;

    /// <summary>Batches committed by this instance (for tests and metrics).</summary>
    public long BatchesCommitted => Interlocked.Read(ref _batchesCommitted);

    private long _batchesCommitted;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await EnsureCheckpointsAsync(stoppingToken);
        var listener = ListenAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (!_isLeader && !await TryBecomeLeaderAsync(stoppingToken))
                    {
                        await WaitForWorkAsync(stoppingToken);
                        continue;
                    }

                    var worked = false;
                    foreach (var projection in _projections)
                    {
                        if (!await LockStillHeldAsync(stoppingToken))
                        {
                            await StepDownAsync("the leader lock's session is gone");
                            break;
                        }
                        worked |= await RunBatchAsync(projection, stoppingToken);
                    }
                    if (!worked) await WaitForWorkAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    LogBatchFailed(_logger, e, _options.InstanceId);
                    await StepDownAsync("an error");
                    await Task.Delay(_options.ErrorDelay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
        }
        finally
        {
            await StepDownAsync("shutdown");
            try { await listener; } catch (OperationCanceledException) { }
        }
    }

    /// <summary>Reads every projection's checkpoint and lag.</summary>
    public async Task<DaemonStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var statuses = new List<ProjectionStatus>();
        foreach (var projection in _projections)
        {
            var checkpoint = await ProjectionCheckpoints.ReadAsync(_store.DataSource, projection.Name, cancellationToken);
            var lag = await _store.GetLagAsync(checkpoint, cancellationToken);
            statuses.Add(new ProjectionStatus(projection.Name, checkpoint, lag.EventsBehind, lag.SecondsBehind, lag.OldestWriterSeconds));
        }
        return new DaemonStatus(_options.InstanceId, _isLeader, statuses);
    }

    private async Task EnsureCheckpointsAsync(CancellationToken cancellationToken)
    {
        foreach (var projection in _projections)
            await ProjectionCheckpoints.EnsureAsync(_store.DataSource, projection.Name, cancellationToken);
    }

    private async Task<bool> TryBecomeLeaderAsync(CancellationToken cancellationToken)
    {
        var connection = await _store.DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = _options.LeaderLockKey, NpgsqlDbType = NpgsqlDbType.Bigint });
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                _lockConnection = connection;
                _isLeader = true;
                LogBecameLeader(_logger, _options.InstanceId);
                return true;
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return false;
    }

    private async Task<bool> LockStillHeldAsync(CancellationToken cancellationToken)
    {
        if (_lockConnection is null) return false;
        try
        {
            // Asking pg_locks on the lock's own session proves both that the session is
            // alive and that it still holds the lock.
            await using var command = new NpgsqlCommand(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() " +
                "AND granted AND ((classid::bigint << 32) | objid::bigint) = $1 AND objsubid = 1)", _lockConnection);
            command.Parameters.Add(new NpgsqlParameter { Value = _options.LeaderLockKey, NpgsqlDbType = NpgsqlDbType.Bigint });
            return await command.ExecuteScalarAsync(cancellationToken) is true;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            return false;
        }
    }

    private async Task StepDownAsync(string why)
    {
        var connection = Interlocked.Exchange(ref _lockConnection, null);
        if (_isLeader) LogSteppedDown(_logger, _options.InstanceId, why);
        _isLeader = false;
        if (connection is null) return;
        try
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
                await unlock.ExecuteNonQueryAsync();
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The session is gone, and its lock with it.
        }
        await connection.DisposeAsync();
    }

    private async Task<bool> RunBatchAsync(IProjection projection, CancellationToken cancellationToken)
    {
        await using var connection = await _store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var checkpoint = await ProjectionCheckpoints.ReadAsync(connection, transaction, projection.Name, cancellationToken);
        var page = await _store.ReadFeedAsync(connection, transaction, checkpoint, _options.BatchSize, cancellationToken);
        if (page.Events.Count == 0) return false;

        // The compare-and-set comes first: it locks the checkpoint row, so a second
        // leader's batch waits here and then finds the checkpoint moved.
        if (!await ProjectionCheckpoints.AdvanceAsync(connection, transaction, projection.Name, checkpoint, page.Next, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return true;
        }
        await projection.ApplyAsync(transaction, page.Events, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Interlocked.Increment(ref _batchesCommitted);
        return true;
    }

    private async Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.PollInterval);
        try
        {
            await Task.WhenAny(_store.WaitForAppendAsync(timeout.Token), _wake.WaitAsync(timeout.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _store.DataSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, _) => _wake.Pulse();
                await using (var listen = new NpgsqlCommand($"LISTEN {EventStoreOptions.NotifyChannel}", connection))
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                try
                {
                    while (!cancellationToken.IsCancellationRequested)
                        await connection.WaitAsync(cancellationToken);
                }
                finally
                {
                    // Pooled connections are not reset: leave no LISTEN behind for the next user.
                    try
                    {
                        if (connection.State == System.Data.ConnectionState.Open)
                        {
                            await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
                            await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
                        }
                    }
                    catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                    {
                        // A broken connection is not returned to the pool, LISTEN and all.
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException e)
            {
                // Polling covers the gap; try to listen again shortly.
                LogListenFailed(_logger, e, _options.InstanceId);
                try { await Task.Delay(_options.ErrorDelay, cancellationToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Projection daemon {Instance} is now the leader")]
    private static partial void LogBecameLeader(ILogger logger, string instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Projection daemon {Instance} stepped down: {Why}")]
    private static partial void LogSteppedDown(ILogger logger, string instance, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "Projection daemon {Instance}: a batch failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, string instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Projection daemon {Instance}: LISTEN failed; polling meanwhile")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, string instance);
}

/// <summary>A daemon's view of itself.</summary>
/// <param name="InstanceId">The daemon's name.</param>
/// <param name="IsLeader">Whether it holds the leader lock.</param>
/// <param name="Projections">Each projection's checkpoint and lag.</param>
public sealed record DaemonStatus(string InstanceId, bool IsLeader, IReadOnlyList<ProjectionStatus> Projections);

/// <summary>One projection's progress.</summary>
/// <param name="Name">The projection.</param>
/// <param name="Checkpoint">The last event applied.</param>
/// <param name="EventsBehind">Events after the checkpoint.</param>
/// <param name="SecondsBehind">Age of the oldest unapplied event.</param>
/// <param name="FeedHeldBackSeconds">Age of the oldest open writing transaction, which holds the feed back.</param>
public sealed record ProjectionStatus(string Name, FeedPosition Checkpoint, long EventsBehind, double SecondsBehind, double FeedHeldBackSeconds);
