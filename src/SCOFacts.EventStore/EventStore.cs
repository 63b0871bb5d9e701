using Npgsql;

namespace SCOFacts.EventStore;

/// <summary>
/// The event log SCOFacts kept on PostgreSQL before Marten (the <c>events</c> and <c>streams</c> tables of
/// migrations 0001 to 0011). It takes no more appends: what remains reads that log in commit order and verifies its
/// hash chains and digest, so that a database of an earlier release can be checked and carried into Marten.
/// </summary>
/// <remarks>Split by operation: Read, Feed and Verify live in partial files.</remarks>
public sealed partial class EventStore
{
    /// <summary>Creates a reader over a data source; it does not own it.</summary>
    public EventStore(NpgsqlDataSource dataSource, EventStoreOptions? options = null)
    {
        DataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        Options = options ?? new EventStoreOptions();
    }

    /// <summary>The database the log lives in.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The reader's settings.</summary>
    public EventStoreOptions Options { get; }

    /// <summary>Event type names and serialisation.</summary>
    public EventTypeRegistry Types => Options.Types;
}
