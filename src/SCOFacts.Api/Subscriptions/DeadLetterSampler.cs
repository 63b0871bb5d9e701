using Microsoft.Extensions.Options;
using Npgsql;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Subscriptions;

/// <summary>
/// Counts the dead letters by message type for the <c>scofacts.dead_letters</c> gauge, at the projections' lag
/// interval: an operator alerts on it being above zero, and an editor replays them.
/// </summary>
internal sealed class DeadLetterSampler(
    NpgsqlDataSource dataSource,
    ScoFactsMetrics metrics,
    IOptions<TelemetryOptions> options,
    ILogger<DeadLetterSampler> logger) : GaugeSampler(options.Value.ProjectionLagInterval, logger)
{
    protected override string What => "the dead letters";

    protected override async Task SampleAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT message_type, count(*) FROM {MessagingModule.Schema}.wolverine_dead_letters GROUP BY message_type ORDER BY message_type");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new List<(string, long)>();
        while (await reader.ReadAsync(cancellationToken)) counts.Add((reader.GetString(0), reader.GetInt64(1)));
        metrics.ReportDeadLetters(counts);
    }

    // Until the messaging tables are migrated there is nothing to count.
    protected override bool IsExpected(Exception exception) =>
        base.IsExpected(exception) || exception is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName };
}
