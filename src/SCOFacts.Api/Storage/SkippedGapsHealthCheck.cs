using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace SCOFacts.Api.Storage;

/// <summary>
/// Readiness turns Degraded when Marten's daemon has recorded a skipped gap in the event sequence
/// (<c>mt_high_water_skips</c>). With quick appends and gap skipping by transaction evidence only, a skip
/// means a sequence number that no committed event holds (a rolled-back append); it is reported anyway,
/// because a skip past a committed event is the one failure a projection cannot see for itself. The
/// ledger's verification tells the two apart: every committed event must be a leaf.
/// </summary>
internal sealed class SkippedGapsHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*), min(starting_sequence), max(ending_sequence), max(timestamp) FROM mt_high_water_skips");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var skips = reader.GetInt64(0);
        if (skips == 0) return HealthCheckResult.Healthy("The daemon has skipped no gap in the event sequence.");
        return HealthCheckResult.Degraded(
            $"The daemon skipped {skips} gap{(skips == 1 ? "" : "s")} in the event sequence, between {reader.GetInt64(1)} and {reader.GetInt64(2)}, " +
            $"the latest at {reader.GetFieldValue<DateTimeOffset>(3):O}: run 'audit verify' to confirm no committed event was left unprojected.");
    }
}
