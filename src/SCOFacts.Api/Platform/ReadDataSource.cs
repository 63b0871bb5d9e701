using Npgsql;

namespace SCOFacts.Api.Platform;

/// <summary>
/// The connections a plain read of a fact's stored answer goes through: the application's database, with the reads of
/// many requests multiplexed onto few connections, and the read statement prepared on each of them.
/// </summary>
/// <remarks>
/// A plain read is one short statement, so under concurrent load its cost was mostly the round trip: a connection and a
/// server process woken for every read. Multiplexed, the reads that arrive together go out on one connection in one
/// write and their answers come back in one read, and the server runs them one after the other in one process.
/// Multiplexing takes no explicit preparation, so the statement is prepared automatically on each connection once it has
/// been run there a few times, and connections are not reset, which would drop it. Nothing else runs on these
/// connections: no transaction, no session setting, no rebuild (whose temporary tables live inside its own transaction
/// on the main pool), so the prepared statement always names the live tables. Every read is its own statement, so it
/// sees everything committed before it started, as a read on the main pool does.
/// </remarks>
public sealed class ReadDataSource : IAsyncDisposable
{
    /// <summary>The most statements kept prepared per connection: the plain read is the only one run here.</summary>
    private const int PreparedStatements = 4;

    private ReadDataSource(NpgsqlDataSource dataSource) => DataSource = dataSource;

    /// <summary>The multiplexed data source itself.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>A multiplexed data source on the database <paramref name="connectionString"/> names.</summary>
    public static ReadDataSource Create(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Multiplexing = true,
            MaxAutoPrepare = PreparedStatements,
            NoResetOnClose = true,
        };
        return new ReadDataSource(NpgsqlDataSource.Create(builder.ConnectionString));
    }

    /// <summary>Drops the idle connections, as when the server they lead to has gone away.</summary>
    public void Clear() => DataSource.Clear();

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
