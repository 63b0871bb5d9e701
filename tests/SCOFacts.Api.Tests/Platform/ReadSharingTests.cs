using SCOFacts.Api.Platform;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Platform;

/// <summary>
/// Callers of one key share a read only if it began after they asked: those arriving while a read runs get the next
/// one, never the running one. Failures and cancellations stay with the callers they belong to.
/// </summary>
public sealed class ReadSharingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Callers_arriving_while_a_read_runs_share_the_next_read_and_never_take_the_running_ones_result()
    {
        var reads = new HeldReads();
        var sharing = new ReadSharing<string, int>(reads.ReadAsync, reads.Answered);

        var first = sharing.ReadAsync("fact");
        Assert.Equal(1, reads.Started);
        var second = sharing.ReadAsync("fact");
        var third = sharing.ReadAsync("fact");
        Assert.Equal(1, reads.Started);

        reads.Finish(1, 101);
        Assert.Equal(101, await first.WaitAsync(Patience));
        // The two who came later are owed a read begun after they asked: the next one, which starts now.
        await Wait.UntilAsync(() => reads.Started == 2, Patience, "the second read has begun");
        Assert.False(second.IsCompleted || third.IsCompleted, "a caller took the result of a read that began before it asked");

        reads.Finish(2, 102);
        Assert.Equal(102, await second.WaitAsync(Patience));
        Assert.Equal(102, await third.WaitAsync(Patience));
        Assert.Equal(2, reads.Started);
        await Wait.UntilAsync(() => sharing.Reading == 0, Patience, "the key's line is retired once nobody waits");
        Assert.Equal([1, 2], reads.CallersPerRead);
        Assert.Equal(new ReadSharingCounts(Reads: 2, Callers: 3), sharing.Counts);
    }

    [Fact]
    public async Task A_caller_alone_reads_at_once_and_each_of_its_reads_is_its_own()
    {
        var reads = new HeldReads();
        var sharing = new ReadSharing<string, int>(reads.ReadAsync);

        var first = sharing.ReadAsync("fact");
        reads.Finish(1, 1);
        Assert.Equal(1, await first.WaitAsync(Patience));
        await Wait.UntilAsync(() => sharing.Reading == 0, Patience, "the first read's line is retired");
        var second = sharing.ReadAsync("fact");
        Assert.Equal(2, reads.Started);
        reads.Finish(2, 2);
        Assert.Equal(2, await second.WaitAsync(Patience));
    }

    [Fact]
    public async Task Different_keys_never_wait_on_each_other()
    {
        var reads = new HeldReads();
        var sharing = new ReadSharing<string, int>(reads.ReadAsync);

        var a = sharing.ReadAsync("a");
        var b = sharing.ReadAsync("b");
        Assert.Equal(2, reads.Started);
        Assert.Equal(2, sharing.Reading);
        reads.Finish(2, 20);
        Assert.Equal(20, await b.WaitAsync(Patience));
        Assert.False(a.IsCompleted);
        reads.Finish(1, 10);
        Assert.Equal(10, await a.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_failed_read_fails_every_caller_it_answered_and_the_next_caller_reads_afresh()
    {
        var reads = new HeldReads();
        var sharing = new ReadSharing<string, int>(reads.ReadAsync);

        var first = sharing.ReadAsync("fact");
        var second = sharing.ReadAsync("fact");
        var third = sharing.ReadAsync("fact");
        reads.Finish(1, 1);
        Assert.Equal(1, await first.WaitAsync(Patience));
        await Wait.UntilAsync(() => reads.Started == 2, Patience, "the second read has begun");
        reads.Fail(2, new InvalidOperationException("the server went away"));
        Assert.Equal("the server went away", (await Assert.ThrowsAsync<InvalidOperationException>(() => second.WaitAsync(Patience))).Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => third.WaitAsync(Patience));

        var fourth = sharing.ReadAsync("fact");
        await Wait.UntilAsync(() => reads.Started == 3, Patience, "a third read has begun");
        reads.Finish(3, 3);
        Assert.Equal(3, await fourth.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_caller_that_gives_up_stops_waiting_alone_and_the_read_still_answers_the_others()
    {
        var reads = new HeldReads();
        var sharing = new ReadSharing<string, int>(reads.ReadAsync);
        using var leaving = new CancellationTokenSource();

        var first = sharing.ReadAsync("fact");
        var quitter = sharing.ReadAsync("fact", leaving.Token);
        var stayer = sharing.ReadAsync("fact");
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => quitter.WaitAsync(Patience));
        Assert.False(stayer.IsCompleted);

        reads.Finish(1, 1);
        Assert.Equal(1, await first.WaitAsync(Patience));
        await Wait.UntilAsync(() => reads.Started == 2, Patience, "the read the quitter had joined has begun");
        reads.Finish(2, 2);
        Assert.Equal(2, await stayer.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_caller_reading_for_itself_reads_with_its_own_cancellation_and_those_gathered_behind_it_still_read()
    {
        var reads = new HeldReads();
        var sharing = new ReadSharing<string, int>(reads.ReadAsync);
        using var leaving = new CancellationTokenSource();

        var first = sharing.ReadAsync("fact", leaving.Token);
        var behind = sharing.ReadAsync("fact");
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.WaitAsync(Patience));

        await Wait.UntilAsync(() => reads.Started == 2, Patience, "the read for the caller behind has begun");
        reads.Finish(2, 2);
        Assert.Equal(2, await behind.WaitAsync(Patience));
        await Wait.UntilAsync(() => sharing.Reading == 0, Patience, "the key's line is retired");
    }

    /// <summary>A read whose runs, numbered from 1, each end when the test says so.</summary>
    private sealed class HeldReads
    {
        private readonly TaskCompletionSource<int>[] _runs =
            [.. Enumerable.Range(0, 8).Select(_ => new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously))];

        private int _started;
        private readonly List<int> _callers = [];

        public int Started => Volatile.Read(ref _started);

        public IReadOnlyList<int> CallersPerRead
        {
            get
            {
                lock (_callers) return [.. _callers];
            }
        }

        public Task<int> ReadAsync(string key, CancellationToken cancellationToken) =>
            _runs[Interlocked.Increment(ref _started) - 1].Task.WaitAsync(cancellationToken);

        public void Answered(int callers)
        {
            lock (_callers) _callers.Add(callers);
        }

        public void Finish(int run, int result) => _runs[run - 1].SetResult(result);

        public void Fail(int run, Exception error) => _runs[run - 1].SetException(error);
    }
}
