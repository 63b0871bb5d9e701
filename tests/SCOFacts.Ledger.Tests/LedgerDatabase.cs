using SCOFacts.Testing;

namespace SCOFacts.Ledger.Tests;

/// <summary>A fresh migrated database with a source table, a sealer and a reader: one per test that writes a ledger.</summary>
public sealed class LedgerDatabase : IAsyncDisposable
{
    private LedgerDatabase(TestDatabase database, SourceTable source)
    {
        Database = database;
        Source = source;
        Sealer = new LedgerSealer(database.DataSource);
        Reader = new LedgerReader(database.DataSource);
        Audit = new LedgerAudit(database.DataSource);
    }

    public TestDatabase Database { get; }

    public SourceTable Source { get; }

    public LedgerSealer Sealer { get; }

    public LedgerReader Reader { get; }

    public LedgerAudit Audit { get; }

    public static async Task<LedgerDatabase> CreateAsync()
    {
        var database = await TestDatabase.CreateMigratedAsync();
        return new LedgerDatabase(database, await SourceTable.CreateAsync(database.DataSource));
    }

    /// <summary>Seals the source's events in (after, through] as one batch.</summary>
    public async Task<SealResult> SealAsync(long after, long through) =>
        await Sealer.SealAsync(new LedgerBatch(after, through, await Source.ReadAsync(after, through)));

    public async Task<long> CountAsync(string sql)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
