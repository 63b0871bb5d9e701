using System.Collections.Concurrent;

namespace SCOFacts.Api.Platform;

/// <summary>
/// Concurrent reads of one key share a database read, and each still sees everything committed before it asked.
/// </summary>
/// <remarks>
/// <para>
/// A caller never joins a read that is already running: that read may have begun before a commit the caller is owed.
/// Callers that ask while a read of their key runs wait together for the next one, which begins as soon as the running
/// one ends, and all take its result. So every caller's answer comes from a read that began after it asked, as if it had
/// read alone, and under load on one key the database runs one read where it would have run one per caller.
/// </para>
/// <para>
/// A caller that finds no read of its key running reads for itself, on its own flow and with its own cancellation, so a
/// read nobody shares costs what it did before. A read for callers gathered together runs to its end even if they give
/// up (each stops waiting when its own token is cancelled): it is not cancelled on behalf of the others. A failure
/// reaches every caller of that read, and the next read is tried afresh.
/// </para>
/// </remarks>
/// <param name="read">Reads a key; called for one key at a time, never twice at once for the same key.</param>
/// <param name="answered">Told, after each read, how many callers it answered.</param>
public sealed class ReadSharing<TKey, TResult>(Func<TKey, CancellationToken, Task<TResult>> read, Action<int>? answered = null)
    where TKey : notnull
{
    private readonly Func<TKey, CancellationToken, Task<TResult>> _read = read ?? throw new ArgumentNullException(nameof(read));
    private readonly ConcurrentDictionary<TKey, Line> _lines = new();

    private long _reads;
    private long _callers;

    /// <summary>How many keys have a read running now.</summary>
    public int Reading => _lines.Count;

    /// <summary>How many reads have ended, and how many callers they answered between them.</summary>
    public ReadSharingCounts Counts => new(Interlocked.Read(ref _reads), Interlocked.Read(ref _callers));

    /// <summary>The result of a read of <paramref name="key"/> begun after this call, shared with the callers asking alongside.</summary>
    public async Task<TResult> ReadAsync(TKey key, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var line = _lines.GetOrAdd(key, static _ => new Line());
            Waiting? next = null;
            lock (line)
            {
                // A line is retired when its last read ends with nobody waiting; a new one takes its place.
                if (line.Retired) continue;
                if (line.Running)
                {
                    next = line.Next ??= new Waiting();
                    next.Callers++;
                }
                else
                {
                    line.Running = true;
                }
            }
            if (next is not null) return await next.Result.Task.WaitAsync(cancellationToken);

            try
            {
                return await _read(key, cancellationToken);
            }
            finally
            {
                Counted(1);
                HandOver(key, line);
            }
        }
    }

    // The read that ended leaves the line to the callers gathered meanwhile, or retires it.
    private void HandOver(TKey key, Line line)
    {
        Waiting? next;
        lock (line)
        {
            next = line.Next;
            line.Next = null;
            if (next is null)
            {
                line.Running = false;
                line.Retired = true;
                _lines.TryRemove(KeyValuePair.Create(key, line));
            }
        }
        if (next is not null) _ = ReadForAsync(key, line, next);
    }

    // Reads for callers gathered together, then hands the line over.
    private async Task ReadForAsync(TKey key, Line line, Waiting gathered)
    {
        TResult result = default!;
        Exception? failure = null;
        try
        {
            result = await _read(key, CancellationToken.None);
        }
        catch (Exception e)
        {
            failure = e;
        }
        // Counted before the callers hear, so a caller that has its answer finds its read counted.
        Counted(gathered.Callers);
        if (failure is null) gathered.Result.SetResult(result);
        else gathered.Result.SetException(failure);
        HandOver(key, line);
    }

    private void Counted(int callers)
    {
        Interlocked.Add(ref _callers, callers);
        Interlocked.Increment(ref _reads);
        answered?.Invoke(callers);
    }

    // The reads of one key: whether one runs, and the callers waiting for the next.
    private sealed class Line
    {
        public bool Running;
        public bool Retired;
        public Waiting? Next;
    }

    // Callers gathered for one read (counted under their line's lock), and its result.
    private sealed class Waiting
    {
        public int Callers;
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>Reads a <see cref="ReadSharing{TKey, TResult}"/> has run, and the callers they answered.</summary>
public readonly record struct ReadSharingCounts(long Reads, long Callers);
