using Npgsql;

namespace SCOFacts.Api.Platform;

/// <summary>
/// The connections a plain read of a fact's stored answer goes through: the application's database, with the reads of
/// concurrent requests multiplexed on its connections, and the read statement prepared on each of them.
/// </summary>
/// <remarks>
/// A plain read is one short statement, so under concurrent load its cost was mostly the round trip: a connection opened
/// from the pool, a write and a read on it, and a server process woken, for every read. Multiplexed, a read is a command
/// handed to the data source, which writes the commands waiting at that moment to a connection together, and reads their
/// answers as they come. The pool still opens a connection when none is idle, up to <see cref="MaxConnections"/>; its
/// sessions carry the application name <see cref="ApplicationName"/>, so an operator can tell them from the rest.
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

    /// <summary>
    /// The most connections the reads hold, beside the main pool's: multiplexed reads queue for a connection rather
    /// than open one each, so a node adds at most this many sessions to the server. Four served 16 reading clients as
    /// fast as eighteen did in the API benchmark.
    /// </summary>
    public const int MaxConnections = 8;

    /// <summary>The application name the reads' sessions show in pg_stat_activity.</summary>
    public const string ApplicationName = "SCOFacts reads";

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
            MaxPoolSize = MaxConnections,
            MinPoolSize = 0,
            ApplicationName = ApplicationName,
            NoResetOnClose = true,
        };
        return new ReadDataSource(NpgsqlDataSource.Create(builder.ConnectionString));
    }

    /// <summary>Drops the idle connections, as when the server they lead to has gone away.</summary>
    public void Clear() => DataSource.Clear();

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
