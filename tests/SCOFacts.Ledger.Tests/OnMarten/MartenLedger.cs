using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
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

    /// <summary>The application name of the connections of stores made with <c>daemon: true</c>.</summary>
    public const string DaemonApplicationName = "scofacts-daemon";

    /// <summary>The store options the product uses for events, with the sealer added.</summary>
    /// <param name="options">The options to fill.</param>
    /// <param name="batchSize">The sealer's daemon batch size.</param>
    /// <param name="daemon">Name the store's connections <see cref="DaemonApplicationName"/>.</param>
    /// <param name="sealer">The sealer's data source, when not the shared one.</param>
    /// <param name="wrap">Wraps the sealer's projection to watch it; registered as the sealer is.</param>
    public void Configure(StoreOptions options, int batchSize = 500, bool daemon = false, NpgsqlDataSource? sealer = null, Func<IProjection, IProjection>? wrap = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Connection(daemon
            ? new NpgsqlConnectionStringBuilder(Database.ConnectionString) { ApplicationName = DaemonApplicationName }.ConnectionString
            : Database.ConnectionString);
        options.AutoCreateSchemaObjects = AutoCreate.All;
        options.Events.StreamIdentity = StreamIdentity.AsString;
        options.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        options.Events.MetadataConfig.UserNameEnabled = true;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.CausationIdEnabled = true;
        options.Events.MetadataConfig.HeadersEnabled = true;
        options.Events.AddEventType<ClaimNoted>();
        options.Projections.UseTransactionEvidenceForGapSkipping = true;
        options.AddLedgerSealer(sealer ?? SealerSource, batchSize);
        if (wrap is not null)
        {
            // Swap the registered sealer for the wrapped one under the same name and settings.
            options.Projections.All.RemoveAll(p => p.Name == LedgerMartenOptions.ProjectionName);
            options.Projections.Add(wrap(new LedgerProjection(sealer ?? SealerSource)), ProjectionLifecycle.Async, LedgerMartenOptions.ProjectionName, a => a.BatchSize = batchSize);
        }
    }

    /// <summary>A store for this database: one "process".</summary>
    public DocumentStore CreateStore(int batchSize = 500, bool daemon = false, NpgsqlDataSource? sealer = null) =>
        DocumentStore.For(options => Configure(options, batchSize, daemon, sealer));

    /// <summary>A data source of the sealer's own, as a process other than this one would have.</summary>
    public NpgsqlDataSource CreateSealerSource() => NpgsqlDataSource.Create(SealerSource.ConnectionString);

    /// <summary>
    /// The ledger a fresh database builds from a copy of this one's events by a rebuild of the sealer's projection:
    /// what the live ledger must equal.
    /// </summary>
    public async Task<MartenLedger> RebuildElsewhereAsync(TimeSpan timeout)
    {
        var copy = await CreateAsync();
        try
        {
            await using (var from = await Database.DataSource.OpenConnectionAsync())
            await using (var to = await copy.Database.DataSource.OpenConnectionAsync())
            {
                foreach (var table in new[] { "mt_streams", "mt_events" })
                {
                    await using var reading = await from.BeginRawBinaryCopyAsync($"COPY {table} TO STDOUT (FORMAT BINARY)");
                    await using var writing = await to.BeginRawBinaryCopyAsync($"COPY {table} FROM STDIN (FORMAT BINARY)");
                    await reading.CopyToAsync(writing);
                }
                await using var sequence = new NpgsqlCommand("SELECT setval('mt_events_sequence', (SELECT max(seq_id) FROM mt_events))", to);
                await sequence.ExecuteNonQueryAsync();
            }
            await using var store = copy.CreateStore(batchSize: 250);
            using var daemon = await store.BuildProjectionDaemonAsync();
            await daemon.RebuildProjectionAsync(LedgerMartenOptions.ProjectionName, timeout, CancellationToken.None);
            return copy;
        }
        catch
        {
            await copy.DisposeAsync();
            throw;
        }
    }

    /// <summary>Ends every session of this database opened under <paramref name="applicationName"/>; how many it ended.</summary>
    public Task<long> TerminateAsync(string applicationName) =>
        ScalarAsync($"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = '{applicationName}'");

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
