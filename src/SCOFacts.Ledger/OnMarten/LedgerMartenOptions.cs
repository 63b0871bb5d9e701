using JasperFx.Events.Projections;
using Marten;
using Npgsql;

namespace SCOFacts.Ledger;

/// <summary>Registering the ledger's sealer with a Marten store.</summary>
public static class LedgerMartenOptions
{
    /// <summary>The name the sealer's projection (and its daemon shard, "<c>Ledger:All</c>") goes by.</summary>
    public const string ProjectionName = "Ledger";

    /// <summary>
    /// Adds <see cref="LedgerProjection"/> as an async projection sealing into <paramref name="ledger"/>'s database,
    /// and turns off the daemon's skipping of failed batches: a batch the sealer refuses must stop the shard, since
    /// skipping it would leave its events out of the log. The daemon may load the next batch while one is sealed.
    /// </summary>
    /// <param name="options">The store's options; its event metadata columns must be enabled.</param>
    /// <param name="ledger">A data source for the database holding both the ledger's tables and Marten's events.</param>
    /// <param name="batchSize">Events per daemon batch, hence per sealing transaction.</param>
    public static StoreOptions AddLedgerSealer(this StoreOptions options, NpgsqlDataSource ledger, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        options.Projections.Errors.SkipApplyErrors = false;
        options.Projections.RebuildErrors.SkipApplyErrors = false;
        options.Projections.Add(new LedgerProjection(ledger, options.Events.DatabaseSchemaName), ProjectionLifecycle.Async, ProjectionName,
            async => LetLoadAhead(async, batchSize));
        return options;
    }

    /// <summary>
    /// Sets the daemon's batch size, and lets it hold two batches at once: the one being applied and the next, loaded
    /// (and deserialised) meanwhile. The daemon loads no further once the events loaded and not yet committed reach its
    /// hopper size, which by default (5,000) holds two batches of 2,500 but not two of 5,000.
    /// </summary>
    public static void LetLoadAhead(AsyncOptions async, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(async);
        async.BatchSize = batchSize;
        async.MaximumHopperSize = Math.Max(async.MaximumHopperSize, 2 * batchSize);
    }
}
