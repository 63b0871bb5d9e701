using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Npgsql;

namespace SCOFacts.Ledger;

/// <summary>
/// The sealer on Marten's async daemon: every batch the daemon delivers is sealed, in the order delivered, from the
/// events' stored rows in <c>mt_events</c> (never from the deserialised objects). It writes no documents; it seals in a
/// transaction of its own under the sealer's lock, before the daemon commits its progress, so a batch redelivered
/// after a crash finds itself sealed and adds nothing (docs/ledger.md, "Sealing on Marten").
/// </summary>
public sealed class LedgerProjection : IProjection
{
    private const int MaxAttempts = 4;
    private readonly LedgerSealer _sealer;
    private readonly MartenEventRows _rows;

    /// <summary>Seals into the ledger of <paramref name="dataSource"/>'s database the events of Marten's schema <paramref name="eventSchema"/> there.</summary>
    public LedgerProjection(NpgsqlDataSource dataSource, string eventSchema = "public")
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _sealer = new LedgerSealer(dataSource);
        _rows = new MartenEventRows(dataSource, eventSchema);
    }

    /// <summary>Seals the delivered events.</summary>
    /// <exception cref="LedgerSkippedEventException">The store holds an event inside the batch's range that was not delivered.</exception>
    /// <exception cref="LedgerIntegrityException">A redelivered event differs from the one sealed at its position.</exception>
    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
            return;
        var positions = new long[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            positions[i] = events[i].Sequence;
            if (i > 0 && positions[i] <= positions[i - 1])
                throw new InvalidOperationException($"The daemon delivered position {positions[i]} after {positions[i - 1]}: the ledger seals in increasing position only.");
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _sealer.SealAsync(new Delivered(_rows, positions), positions[0] - 1, cancellation);
                return;
            }
            catch (NpgsqlException e) when (attempt < MaxAttempts && !cancellation.IsCancellationRequested
                && (e.IsTransient || e is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown }))
            {
                // A lost connection (a pooled one cut while idle, a restarted server) is retried here rather than
                // failing the daemon's batch, which after a few failures pauses the shard until a restart. Sealing
                // is idempotent, so a retry after a commit whose answer was lost adds nothing.
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellation);
            }
        }
    }

    // The daemon says which events it delivers but not which range it covers. The range is taken to start where the
    // ledger stands: any event stored between the sealed range and the last delivered position that the daemon did not
    // deliver is one it skipped, and sealing stops there rather than leave it out.
    private sealed class Delivered(MartenEventRows rows, long[] positions) : IBatchSource
    {
        public NpgsqlBatchCommand Command(long after) => rows.SealingRowsCommand(positions, after, positions[^1]);

        public async Task<LedgerBatch> BatchAsync(NpgsqlDataReader reader, long sealedThrough, CancellationToken cancellationToken)
        {
            var through = positions[^1];
            var entries = await MartenEventRows.ReadSealingRowsAsync(reader, positions.Length, cancellationToken);
            var next = 0;
            foreach (var row in entries)
            {
                if (next < positions.Length && positions[next] < row.Position)
                    throw new LedgerIntegrityException(positions[next], $"The daemon delivered an event at position {positions[next]} that is not in {rows.Table}.");
                if (next < positions.Length && positions[next] == row.Position)
                    next++;
                else
                    throw new LedgerSkippedEventException(row.Position, through);
            }
            if (next < positions.Length)
                throw new LedgerIntegrityException(positions[next], $"The daemon delivered an event at position {positions[next]} that is not in {rows.Table}.");
            return new LedgerBatch(Math.Min(positions[0] - 1, sealedThrough), through, entries);
        }
    }
}
