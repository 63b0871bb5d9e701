namespace SCOFacts.Api.Jobs;

/// <summary>Settings of long jobs (section <c>Jobs</c>).</summary>
public sealed class JobOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Jobs";

    /// <summary>How often a running job writes its progress (at most; nothing is written while it does not move).</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Hears a job's progress from the work (as often as the work likes) and writes it to the job's row at most once per
/// interval, with the rate so far and the expected finish; passes every report on to another progress (the
/// command line's own progress lines) as well.
/// </summary>
/// <remarks>The work reports synchronously; the row is written by a loop of its own, so the work never waits for the database.</remarks>
public sealed partial class JobProgressWriter : IProgress<long>, IAsyncDisposable
{
    private readonly JobStore _store;
    private readonly Guid _jobId;
    private readonly long? _total;
    private readonly IProgress<long>? _also;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly long _started;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _done;
    private long _written = -1;

    /// <summary>Starts writing the progress of <paramref name="jobId"/> every <paramref name="interval"/>.</summary>
    public JobProgressWriter(JobStore store, Guid jobId, long? total, TimeSpan interval, ILogger logger, IProgress<long>? also = null,
        TimeProvider? clock = null)
    {
        _store = store;
        _jobId = jobId;
        _total = total;
        _also = also;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _started = _clock.GetTimestamp();
        _loop = RunAsync(interval, _stop.Token);
    }

    /// <inheritdoc />
    public void Report(long value)
    {
        Interlocked.Exchange(ref _done, value);
        _also?.Report(value);
    }

    /// <summary>Units reported done so far.</summary>
    public long Done => Interlocked.Read(ref _done);

    /// <summary>Stops the loop (the job's end is written by whoever ends it).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
                await WriteAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped: the job has ended, or its host is going away.
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        var done = Done;
        if (done == _written) return;
        var elapsed = _clock.GetElapsedTime(_started);
        var rate = done / Math.Max(elapsed.TotalSeconds, 0.001);
        DateTimeOffset? eta = _total is { } total && rate > 0 ? _clock.GetUtcNow() + TimeSpan.FromSeconds(Math.Max(total - done, 0) / rate) : null;
        try
        {
            await _store.ProgressAsync(_jobId, done, _total, rate, eta, cancellationToken);
            _written = done;
        }
        catch (Npgsql.NpgsqlException e)
        {
            // Progress is advisory: the work goes on, and the next tick tries again.
            LogProgressFailed(_logger, _jobId, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the progress of job {JobId}; trying again at the next interval")]
    private static partial void LogProgressFailed(ILogger logger, Guid jobId, Exception exception);
}
