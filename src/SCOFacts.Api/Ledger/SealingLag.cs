using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using SCOFacts.Api.Platform;
using SCOFacts.Ledger;

namespace SCOFacts.Api.Ledger;

/// <summary>The event log the ledger seals, as far as the sealing lag needs it.</summary>
public interface ILedgerEventLog
{
    /// <summary>
    /// The events recorded after <paramref name="sealedThrough"/> (the last position the ledger covers): how many, and
    /// how long ago the oldest of them was recorded by the database's clock (null when there is none).
    /// </summary>
    Task<(long Count, TimeSpan? OldestAge)> UnsealedAsync(long sealedThrough, CancellationToken cancellationToken);
}

/// <summary>Marten's event table: positions are <c>seq_id</c>, recording times <c>timestamp</c>.</summary>
public sealed class MartenEventLog : ILedgerEventLog
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;

    /// <summary>Reads <c>mt_events</c> in <paramref name="schema"/> (Marten's events schema) of <paramref name="dataSource"/>'s database.</summary>
    public MartenEventLog(NpgsqlDataSource dataSource, string schema)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentException.ThrowIfNullOrWhiteSpace(schema);
        _dataSource = dataSource;
        // A schema name is configuration, not input; quoting still keeps an odd one from becoming SQL.
        _table = "\"" + schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\".mt_events";
    }

    public async Task<(long Count, TimeSpan? OldestAge)> UnsealedAsync(long sealedThrough, CancellationToken cancellationToken)
    {
        // Both aggregates walk the primary key from the sealed position on: the cost is the lag, not the log. The age is
        // taken on the server, whose clock stamped the events, so skew between hosts cannot make it up. Marten stamps the
        // tombstones it writes after a failed commit with -infinity: they count, but have no age.
        await using var command = _dataSource.CreateCommand(
            $"SELECT count(*), greatest(clock_timestamp() - min(timestamp) FILTER (WHERE isfinite(timestamp)), interval '0') FROM {_table} WHERE seq_id > $1");
        command.Parameters.Add(new NpgsqlParameter { Value = sealedThrough });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<TimeSpan>(1));
    }
}

/// <summary>Measures the sealing lag: the event log's events beyond the ledger's last sealed position.</summary>
public sealed class SealingLagMonitor(LedgerReader ledger, ILedgerEventLog events)
{
    /// <summary>The lag now.</summary>
    public async Task<SealingLagSample> MeasureAsync(CancellationToken cancellationToken = default)
    {
        var state = await ledger.GetStateAsync(cancellationToken);
        var (count, oldest) = await events.UnsealedAsync(state.SealedThrough, cancellationToken);
        return new SealingLagSample(count, oldest ?? TimeSpan.Zero);
    }
}

/// <summary>Samples the sealing lag for the gauges every <see cref="LedgerOptions.LagSampleInterval"/>.</summary>
internal sealed class SealingLagSampler(
    SealingLagMonitor monitor,
    ScoFactsMetrics metrics,
    IOptions<LedgerOptions> options,
    ILogger<SealingLagSampler> logger) : GaugeSampler(options.Value.LagSampleInterval, logger)
{
    protected override string What => "the ledger's sealing lag";

    protected override async Task SampleAsync(CancellationToken cancellationToken) =>
        metrics.ReportSealingLag(await monitor.MeasureAsync(cancellationToken));

    // Until the event table exists there is nothing to lag behind.
    protected override bool IsExpected(Exception exception) =>
        base.IsExpected(exception) || exception is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable };
}

/// <summary>Readiness includes the sealing lag: Degraded once the oldest unsealed event is older than the configured threshold.</summary>
internal sealed class SealingLagHealthCheck(SealingLagMonitor monitor, IOptions<LedgerOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        SealingLagSample lag;
        try
        {
            lag = await monitor.MeasureAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return HealthCheckResult.Healthy("No event table to seal yet: " + e.MessageText);
        }
        var threshold = options.Value.SealingLagDegradedAfter;
        var description = lag.UnsealedEvents == 0
            ? "Every event is sealed."
            : $"{lag.UnsealedEvents} event(s) not yet sealed, the oldest recorded {lag.OldestUnsealedAge.TotalSeconds:0.#} s ago (degraded past {threshold.TotalSeconds:0.#} s).";
        return lag.OldestUnsealedAge > threshold ? HealthCheckResult.Degraded(description) : HealthCheckResult.Healthy(description);
    }
}
