using Npgsql;

namespace SCOFacts.EventStore;

/// <summary>Creates the data source an <see cref="EventStore"/> works best with.</summary>
public static class EventStoreDataSource
{
    /// <summary>
    /// A data source whose pooled connections are not reset with DISCARD ALL when returned.
    /// DISCARD ALL throws away every cached
    /// plan, so each append would re-plan every statement inside append_events: the benchmark
    /// measured that as most of an append's cost. The store leaves no session state behind:
    /// its settings are transaction-local, the daemon unlocks its advisory lock and the
    /// listener unlistens before their connections go back to the pool.
    /// </summary>
    /// <remarks>
    /// Statements are deliberately not auto-prepared. A rebuild replays a projection into
    /// temporary tables that shadow the live ones by name, and PostgreSQL does not re-plan a
    /// prepared statement when a table of the same name appears earlier in the search path:
    /// a projection statement prepared before the rebuild would keep writing to the live table.
    /// </remarks>
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }
}
