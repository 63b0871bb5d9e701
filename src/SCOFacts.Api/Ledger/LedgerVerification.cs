using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using SCOFacts.Api.Platform;
using SCOFacts.Ledger;

namespace SCOFacts.Api.Ledger;

/// <summary>
/// Verifies the whole ledger against Marten's event table every <see cref="LedgerOptions.VerifyInterval"/> (and once
/// soon after start), so that a log changed behind the API's back is reported on <c>/health/ready</c> rather than
/// served as if nothing happened. The newest report stands until the next verification.
/// </summary>
internal sealed partial class LedgerVerification(
    NpgsqlDataSource dataSource,
    IOptions<LedgerOptions> options,
    ILogger<LedgerVerification> logger) : GaugeSampler(options.Value.VerifyInterval, logger)
{
    private readonly ILogger _logger = logger;
    private LedgerAuditReport? _latest;

    /// <summary>The newest verification's report; null before the first has finished.</summary>
    public LedgerAuditReport? Latest => Volatile.Read(ref _latest);

    protected override string What => "the ledger's verification";

    protected override async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var activity = Telemetry.ActivitySource.StartActivity("ledger.verify");
        var events = new MartenEventRows(dataSource, options.Value.EventSchema);
        var report = await new LedgerAudit(dataSource).VerifyAsync(events.ReadAllAsync(cancellationToken), cancellationToken);
        Volatile.Write(ref _latest, report);
        if (report.IsValid)
            LogVerified(_logger, report.LeavesChecked, report.SealedThrough);
        else
            LogBroken(_logger, report.Findings.Count, report.Findings[0].Detail);
    }

    // A verification that could not run (the database away, tables not there yet, an event table of another shape) says
    // nothing about the ledger: the last report stands, and the host goes on serving.
    protected override bool IsExpected(Exception exception) => exception is not OperationCanceledException;

    [LoggerMessage(Level = LogLevel.Debug, Message = "The ledger verifies: {Leaves} leaves, sealed through position {SealedThrough}")]
    private static partial void LogVerified(ILogger logger, long leaves, long sealedThrough);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The ledger does not verify: {Count} finding(s), the first: {First}")]
    private static partial void LogBroken(ILogger logger, int count, string first);
}

/// <summary>Readiness is Unhealthy while the newest background verification of the ledger found anything wrong.</summary>
internal sealed class LedgerVerificationHealthCheck(LedgerVerification verification) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(verification.Latest switch
        {
            null => HealthCheckResult.Healthy("Not verified yet since the start."),
            { IsValid: true } report => HealthCheckResult.Healthy($"The ledger verified: {report.LeavesChecked} leaves, every event sealed once and unchanged."),
            var report => HealthCheckResult.Unhealthy(
                $"The ledger does not verify ({report.Findings.Count} finding(s)); the first: {report.Findings[0].Detail}"),
        });
}
