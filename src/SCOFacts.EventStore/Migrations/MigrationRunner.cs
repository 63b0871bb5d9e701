using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace SCOFacts.EventStore.Migrations;

/// <summary>
/// Applies the <c>NNNN_name.sql</c> files of a folder to a database, in number order, each in its own
/// transaction, and records each in <c>schema_migrations</c> with the SHA-256 of its text.
/// </summary>
/// <remarks>
/// Any number of processes may start at once: they serialise on a PostgreSQL advisory lock held for the whole
/// run, so each file is applied exactly once. A file must not manage its own transaction (no BEGIN/COMMIT) and
/// cannot use statements that refuse to run inside one (CREATE INDEX CONCURRENTLY, for instance).
/// </remarks>
public sealed class MigrationRunner
{
    /// <summary>
    /// The session-level advisory lock key the runner holds while it works ("5C0FAC75" spells SCOFACTS); other
    /// users of advisory locks in the same database must choose different keys.
    /// </summary>
    public const long AdvisoryLockKey = 0x5C0FAC75_00000001;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;

    /// <summary>Creates a runner for the migrations in <paramref name="directory"/>.</summary>
    public MigrationRunner(NpgsqlDataSource dataSource, string directory, ILogger<MigrationRunner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _dataSource = dataSource;
        Directory = Path.GetFullPath(directory);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The folder the migrations are read from.</summary>
    public string Directory { get; }

    /// <summary>
    /// Applies every migration not yet recorded, in number order, and returns those it applied (none when the
    /// database was up to date).
    /// </summary>
    /// <exception cref="InvalidMigrationFileException">A file is badly named, shares a number, or renames an applied migration.</exception>
    /// <exception cref="MigrationChecksumMismatchException">An applied file has been edited since.</exception>
    /// <exception cref="MigrationFailedException">A migration's SQL failed; it was rolled back, earlier ones stay applied.</exception>
    public async Task<IReadOnlyList<MigrationScript>> ApplyAsync(CancellationToken cancellationToken = default)
    {
        // Read and check the folder before touching the database, so a bad file name costs nothing.
        var scripts = MigrationScript.ReadDirectory(Directory);

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, "select pg_advisory_lock($1)", AdvisoryLockKey, cancellationToken);
        try
        {
            await ExecuteAsync(
                connection,
                """
                create table if not exists schema_migrations (
                    name text primary key,
                    checksum text not null,
                    applied_at timestamptz not null default now()
                )
                """,
                parameter: null,
                cancellationToken);

            var recorded = await ReadRecordedAsync(connection, cancellationToken);
            var status = Compare(scripts, recorded);
            if (status.Modified.Count > 0)
            {
                var edited = status.Modified[0];
                throw new MigrationChecksumMismatchException(edited.FileName, recorded[edited.FileName], edited.Checksum);
            }
            foreach (var name in status.Unknown)
            {
                var renamed = scripts.FirstOrDefault(s => s.Number == MigrationScript.NumberOf(name));
                if (renamed is not null)
                {
                    throw new InvalidMigrationFileException(
                        renamed.FileName, $"Migration '{renamed.FileName}' has the number of the applied migration '{name}': applied migrations must not be renamed or replaced.");
                }
                _logger.LogWarning("Migration {Name} is recorded as applied but is not in {Directory}", name, Directory);
            }

            var applied = new List<MigrationScript>();
            foreach (var script in status.Pending)
            {
                await ApplyOneAsync(connection, script, cancellationToken);
                applied.Add(script);
            }
            return applied;
        }
        finally
        {
            await UnlockAsync(connection);
        }
    }

    /// <summary>Compares the folder with what the database records, without changing anything.</summary>
    /// <exception cref="InvalidMigrationFileException">A file in the folder is badly named or shares a number.</exception>
    public async Task<MigrationStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var scripts = MigrationScript.ReadDirectory(Directory);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("select to_regclass('schema_migrations') is not null", connection);
        var recorded = (bool)(await exists.ExecuteScalarAsync(cancellationToken))!
            ? await ReadRecordedAsync(connection, cancellationToken)
            : new Dictionary<string, string>();
        return Compare(scripts, recorded);
    }

    /// <summary>True when every migration in the folder is applied unchanged: a readiness check.</summary>
    public async Task<bool> AreAllAppliedAsync(CancellationToken cancellationToken = default) =>
        (await GetStatusAsync(cancellationToken)).IsUpToDate;

    private async Task ApplyOneAsync(NpgsqlConnection connection, MigrationScript script, CancellationToken cancellationToken)
    {
        _logger.LogInformation("Applying migration {Name}", script.FileName);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            if (!string.IsNullOrWhiteSpace(script.Sql))
            {
                await using var migrate = new NpgsqlCommand(script.Sql, connection, transaction) { CommandTimeout = 0 };
                await migrate.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var record = new NpgsqlCommand("insert into schema_migrations (name, checksum) values ($1, $2)", connection, transaction);
            record.Parameters.Add(new() { Value = script.FileName });
            record.Parameters.Add(new() { Value = script.Checksum });
            await record.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e)
        {
            // Disposing the transaction rolls it back; the session stays usable for the unlock.
            throw new MigrationFailedException(script.FileName, e);
        }
    }

    private static async Task<Dictionary<string, string>> ReadRecordedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select name, checksum from schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
            recorded[reader.GetString(0)] = reader.GetString(1);
        return recorded;
    }

    private static MigrationStatus Compare(IReadOnlyList<MigrationScript> scripts, IReadOnlyDictionary<string, string> recorded)
    {
        var applied = new List<MigrationScript>();
        var pending = new List<MigrationScript>();
        var modified = new List<MigrationScript>();
        foreach (var script in scripts)
        {
            if (!recorded.TryGetValue(script.FileName, out var checksum))
                pending.Add(script);
            else if (checksum == script.Checksum)
                applied.Add(script);
            else
                modified.Add(script);
        }
        var unknown = recorded.Keys.Where(name => scripts.All(s => s.FileName != name)).Order(StringComparer.Ordinal).ToList();
        return new MigrationStatus(applied, pending, modified, unknown);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, object? parameter, CancellationToken cancellationToken)
    {
        // No command timeout: waiting for another starter's lock or a long migration is expected; cancel instead.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        if (parameter is not null)
            command.Parameters.Add(new() { Value = parameter });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task UnlockAsync(NpgsqlConnection connection)
    {
        try
        {
            await ExecuteAsync(connection, "select pg_advisory_unlock($1)", AdvisoryLockKey, CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // A broken session has lost the lock with it; the failure that broke it is the one to report.
            _logger.LogWarning(e, "Could not release the migration lock explicitly");
        }
    }
}
