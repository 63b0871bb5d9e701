using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SCOFacts.Api.Platform;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Audit;

/// <summary>Settings for the background verification of the log (section <c>Audit</c>).</summary>
public sealed class LedgerVerificationOptions
{
    public const string Section = "Audit";

    /// <summary>How often the whole log is verified; each run reads every event, so mind the log's size.</summary>
    public TimeSpan VerifyInterval { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>One background verification's outcome.</summary>
/// <param name="At">When it finished.</param>
/// <param name="Result">What it found.</param>
public sealed record LedgerCheck(DateTimeOffset At, VerificationResult Result);

/// <summary>
/// Verifies the log in the background, every <see cref="LedgerVerificationOptions.VerifyInterval"/>: every hash
/// chain, and that the log still extends the digest the previous good run saw (so that history rewritten with
/// fresh hashes is caught too). A broken log turns the <c>ledger</c> readiness check Unhealthy until a later run
/// finds it whole again.
/// </summary>
public sealed partial class LedgerVerifier(
    EventStore.EventStore store,
    ScoFactsMetrics metrics,
    IOptions<LedgerVerificationOptions> options,
    ILogger<LedgerVerifier> logger) : BackgroundService
{
    private LedgerCheck? _last;
    private LogDigest? _lastGood;

    /// <summary>The newest completed verification, or null before the first.</summary>
    public LedgerCheck? Last => Volatile.Read(ref _last);

    /// <summary>Why the newest attempt could not run, while the database is away; null after a completed run.</summary>
    public string? LastFailure { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.VerifyInterval);
        do
        {
            await VerifyOnceAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task VerifyOnceAsync(CancellationToken cancellationToken)
    {
        using var activity = Telemetry.ActivitySource.StartActivity("ledger.verify");
        try
        {
            var result = await store.VerifyAsync(_lastGood, cancellationToken);
            Volatile.Write(ref _last, new LedgerCheck(DateTimeOffset.UtcNow, result));
            LastFailure = null;
            metrics.LedgerVerified(result.IsValid ? "valid" : "broken");
            activity?.SetTag("ledger.valid", result.IsValid);
            if (result.IsValid)
            {
                _lastGood = result.Current;
                return;
            }
            activity?.SetStatus(ActivityStatusCode.Error, "broken");
            var first = result.FirstBreak;
            LogBroken(logger, first?.StreamId, first?.StreamVersion, first?.Reason ?? "the log no longer extends the digest an earlier run verified");
        }
        catch (Exception e) when (DatabaseFailures.IsUnavailable(e))
        {
            // The database check reports the outage; the last verdict stands until a run completes.
            LastFailure = e.GetBaseException().Message;
            metrics.LedgerVerified("failed");
            activity?.SetStatus(ActivityStatusCode.Error, "failed");
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The log failed verification: stream {StreamId} version {StreamVersion}: {Reason}")]
    private static partial void LogBroken(ILogger logger, string? streamId, long? streamVersion, string reason);
}

/// <summary>The <c>ledger</c> readiness check: Unhealthy while the newest background verification found the log broken.</summary>
internal sealed class LedgerHealthCheck(LedgerVerifier verifier) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failure = verifier.LastFailure is { } reason ? $" The newest attempt could not run: {reason}" : "";
        return Task.FromResult(verifier.Last switch
        {
            null => HealthCheckResult.Healthy("Not verified yet." + failure),
            { Result.IsValid: true } ok => HealthCheckResult.Healthy(
                $"{ok.Result.EventsChecked} events in {ok.Result.StreamsChecked} streams verified at {ok.At:O}.{failure}"),
            { } broken => HealthCheckResult.Unhealthy(broken.Result.FirstBreak is { } first
                ? $"The log is broken: stream {first.StreamId} version {first.StreamVersion}: {first.Reason} (verified at {broken.At:O}).{failure}"
                : $"The log no longer extends the digest an earlier verification saw (verified at {broken.At:O}).{failure}"),
        });
    }
}
