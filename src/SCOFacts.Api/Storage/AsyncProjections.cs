using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Npgsql;
using SCOFacts.Api.Trust;
using SCOFacts.Ledger;

namespace SCOFacts.Api.Storage;

/// <summary>How far one asynchronous projection on Marten's daemon has got.</summary>
/// <param name="Name">The projection's daemon shard, e.g. <c>Trust:All</c>.</param>
/// <param name="Through">The last event sequence number it has taken.</param>
/// <param name="EventsBehind">Events stored after that.</param>
/// <param name="SecondsBehind">How long ago the oldest of them was stored (0 when none).</param>
public sealed record ProjectionStatus(string Name, long Through, long EventsBehind, double SecondsBehind);

/// <summary>The asynchronous projections SCOFacts runs on Marten's daemon: the ledger's sealer and learned trust.</summary>
public static class AsyncProjections
{
    /// <summary>The name learned trust's projection (and its shard, "<c>Trust:All</c>") goes by.</summary>
    public const string TrustName = "Trust";

    /// <summary>
    /// Events per daemon batch, by default. The sealer writes a batch in one transaction of its own besides the daemon's
    /// progress commit; on a catch-up, batches of 2,500 rather than 1,000 sealed about half as many events again a
    /// second (README, row M1), and a live batch holds whatever has arrived, however few.
    /// </summary>
    public const int BatchSize = 2500;

    /// <summary>
    /// Adds the sealer and learned trust as async projections of <paramref name="options"/>, taking <paramref name="batchSize"/>
    /// events a batch, the next batch loaded while one is applied.
    /// </summary>
    public static void Add(StoreOptions options, NpgsqlDataSource dataSource, TrustProjection trust, int batchSize = BatchSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddLedgerSealer(dataSource, batchSize);
        options.Projections.Add(new TrustOnMarten(trust, dataSource), ProjectionLifecycle.Async, TrustName, async => LedgerMartenOptions.LetLoadAhead(async, batchSize));
    }

    /// <summary>Every async projection's progress against the newest stored event.</summary>
    public static async Task<IReadOnlyList<ProjectionStatus>> StatusAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        // Every shard is listed, whether or not the daemon has recorded progress for it yet.
        await using var command = dataSource.CreateCommand(
            """
            SELECT s.name, coalesce(p.last_seq_id, 0), behind.n,
                   coalesce(extract(epoch FROM greatest(clock_timestamp() - behind.oldest, interval '0')), 0)
            FROM unnest($1::text[]) AS s(name)
            LEFT JOIN mt_event_progression p ON p.name = s.name
            CROSS JOIN LATERAL (SELECT count(*) AS n, min(e.timestamp) AS oldest FROM mt_events e WHERE e.seq_id > coalesce(p.last_seq_id, 0)) behind
            ORDER BY s.name
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = new[] { LedgerMartenOptions.ProjectionName + ":All", TrustName + ":All" } });
        var statuses = new List<ProjectionStatus>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            statuses.Add(new ProjectionStatus(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), Convert.ToDouble(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture)));
        return statuses;
    }

    /// <summary>Waits until every async projection has taken every stored event.</summary>
    /// <exception cref="TimeoutException">They had not within <paramref name="timeout"/>.</exception>
    public static async Task WaitForCatchUpAsync(NpgsqlDataSource dataSource, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var statuses = await StatusAsync(dataSource, cancellationToken);
            if (statuses.All(s => s.EventsBehind == 0)) return;
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException("The async projections are behind: " + string.Join("; ", statuses.Select(s => $"{s.Name} {s.EventsBehind}")));
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}

/// <summary>
/// Learned trust on Marten's async daemon: each delivered batch is handed to <see cref="TrustProjection"/>, which works
/// in a transaction of its own. It writes no Marten documents.
/// </summary>
internal sealed class TrustOnMarten(TrustProjection trust, NpgsqlDataSource dataSource) : IProjection
{
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<JasperFx.Events.IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return Task.CompletedTask;
        var batch = events.Where(e => e.StreamKey is not null).Select(e => new TrustProjection.Change(e.StreamKey!, e.Timestamp)).ToList();
        return trust.ApplyAsync(dataSource, batch, events[^1].Sequence, cancellation);
    }
}
