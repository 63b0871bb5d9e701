using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;
using SCOFacts.Testing;

namespace SCOFacts.Ledger.Tests;

/// <summary>The event every Marten test appends: small, with a value that changes from one event to the next.</summary>
public sealed record ClaimNoted(string Claim, int Weight);

/// <summary>
/// A fresh migrated database with Marten's event store in it, configured as the product runs it, and the ledger's
/// sealer registered on the async daemon. Each <see cref="CreateStore"/> stands for one process of the application.
/// </summary>
public sealed class MartenLedger : IAsyncDisposable
{
    /// <summary>The application name of the sealer's connections, so a test can find and cut them.</summary>
    public const string SealerApplicationName = "scofacts-ledger-sealer";

    private MartenLedger(TestDatabase database)
    {
        Database = database;
        SealerSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = SealerApplicationName }.ConnectionString);
        Events = new MartenEventRows(database.DataSource);
        Reader = new LedgerReader(database.DataSource);
        Audit = new LedgerAudit(database.DataSource);
    }

    public TestDatabase Database { get; }

    /// <summary>The data source the sealer writes through.</summary>
    public NpgsqlDataSource SealerSource { get; }

    public MartenEventRows Events { get; }

    public LedgerReader Reader { get; }

    public LedgerAudit Audit { get; }

    /// <summary>A migrated database with Marten's schema created in it.</summary>
    public static async Task<MartenLedger> CreateAsync()
    {
        var ledger = new MartenLedger(await TestDatabase.CreateMigratedAsync());
        await using var store = ledger.CreateStore();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return ledger;
    }

    /// <summary>The store options the product uses for events, with the sealer added.</summary>
    public void Configure(StoreOptions options, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Connection(Database.ConnectionString);
        options.AutoCreateSchemaObjects = AutoCreate.All;
        options.Events.StreamIdentity = StreamIdentity.AsString;
        options.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        options.Events.MetadataConfig.UserNameEnabled = true;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.CausationIdEnabled = true;
        options.Events.MetadataConfig.HeadersEnabled = true;
        options.Events.AddEventType<ClaimNoted>();
        options.Projections.UseTransactionEvidenceForGapSkipping = true;
        options.AddLedgerSealer(SealerSource, batchSize);
    }

    /// <summary>A store for this database: one "process".</summary>
    public DocumentStore CreateStore(int batchSize = 500) => DocumentStore.For(options => Configure(options, batchSize));

    /// <summary>Appends <paramref name="count"/> events to one stream in one session, with metadata, and commits.</summary>
    public static async Task<IReadOnlyList<Guid>> AppendAsync(IDocumentStore store, string stream, int count, int first = 0)
    {
        await using var session = store.LightweightSession();
        session.CorrelationId = "corr-" + stream;
        session.CausationId = "cause-" + stream;
        session.LastModifiedBy = "checker";
        session.SetHeader("reason", "test");
        var action = session.Events.Append(stream, Enumerable.Range(first, count).Select(i => (object)new ClaimNoted($"{stream}/{i}", i)).ToArray());
        await session.SaveChangesAsync();
        return action.Events.Select(e => e.Id).ToList();
    }

    /// <summary>The audit of the ledger against every row of <c>mt_events</c>.</summary>
    public Task<LedgerAuditReport> AuditAsync() => Audit.VerifyAsync(Events.ReadAllAsync());

    /// <summary>Waits until every event in <c>mt_events</c> is within the sealed range.</summary>
    public Task WaitUntilSealedAsync(TimeSpan timeout) =>
        Wait.UntilAsync(async () => (await SealingLag.ReadAsync(Database.DataSource)).UnsealedEvents == 0, timeout, "every stored event is sealed");

    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await SealerSource.DisposeAsync();
        await Database.DisposeAsync();
    }
}
