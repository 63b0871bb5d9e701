using Npgsql;

namespace SCOFacts.EventStore;

/// <summary>
/// An event store on PostgreSQL. Streams are appended to with an expected version;
/// the log is read per stream, or globally in commit order through the feed.
/// The schema comes from the migrations folder (0001_event_store.sql).
/// </summary>
/// <remarks>Split by operation: Append, Read, Feed and Verify live in partial files.</remarks>
public sealed partial class EventStore : IEventStreams, IAsyncDisposable
{
    private readonly AppendSignal _signal = new();
    private int _notifyPending;
    private Task _notifyTask = Task.CompletedTask;

    /// <summary>Creates a store over a data source; the store does not own it.</summary>
    public EventStore(NpgsqlDataSource dataSource, EventStoreOptions? options = null)
    {
        DataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        Options = options ?? new EventStoreOptions();
    }

    /// <summary>The database the store reads and writes.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The store's settings.</summary>
    public EventStoreOptions Options { get; }

    /// <summary>Event type names and serialisation.</summary>
    public EventTypeRegistry Types => Options.Types;

    /// <summary>Completes the next time an append in this process commits.</summary>
    public Task WaitForAppendAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    /// <summary>Waits for any NOTIFY still being sent.</summary>
    public async ValueTask DisposeAsync()
    {
        try { await _notifyTask; }
        catch (NpgsqlException) { /* best effort: readers also poll */ }
    }

    private void AfterCommit()
    {
        _signal.Pulse();
        if (Options.Notify != NotifyMode.AfterCommit) return;
        // Coalesce: the first append after a quiet spell schedules one NOTIFY a short window
        // later, and every append in that window rides on it, so a busy writer costs the
        // server a few notifications a second rather than one transaction per append.
        if (Interlocked.Exchange(ref _notifyPending, 1) == 1) return;
        _notifyTask = Task.Run(SendNotifyAsync);
    }

    private async Task SendNotifyAsync()
    {
        await Task.Delay(Options.NotifyWindow);
        Interlocked.Exchange(ref _notifyPending, 0);
        try
        {
            // NOTIFY gives its transaction an id, so committing it would wait for a WAL flush
            // like an append does, doubling the fsyncs of a lone writer. The notification is a
            // hint (readers also poll), so its commit need not be durable: asynchronous commit
            // for this one statement's transaction only.
            await using var command = DataSource.CreateCommand(
                $"SELECT set_config('synchronous_commit', 'off', true), pg_notify('{EventStoreOptions.NotifyChannel}', '')");
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // A missed NOTIFY only delays readers until their next poll.
        }
    }
}
