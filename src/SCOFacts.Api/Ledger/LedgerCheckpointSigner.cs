using Microsoft.Extensions.Options;
using SCOFacts.Api.Platform;
using SCOFacts.Ledger;

namespace SCOFacts.Api.Ledger;

/// <summary>
/// Signs a checkpoint whenever the tree has grown: reads the tree's size every
/// <see cref="LedgerOptions.CheckpointInterval"/> (one indexed row) and signs only when it differs from the size last
/// signed, so an idle log costs one cheap query per interval and no signatures.
/// </summary>
public sealed partial class LedgerCheckpointSigner(
    LedgerCheckpoints checkpoints,
    LedgerReader reader,
    IOptions<LedgerOptions> options,
    ILogger<LedgerCheckpointSigner> logger) : BackgroundService
{
    private long _signedSize = -1;

    /// <summary>Signs the current tree now, if it has grown since the last checkpoint, and returns the latest checkpoint.</summary>
    public async Task<string> SignNowAsync(CancellationToken cancellationToken = default)
    {
        var size = (await reader.GetStateAsync(cancellationToken)).TreeSize;
        var checkpoint = await checkpoints.SignLatestAsync(cancellationToken);
        // The checkpoint covers at least the size read before it; a larger one is signed on the next poll at worst.
        Volatile.Write(ref _signedSize, size);
        return checkpoint;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckpointInterval);
        do
        {
            try
            {
                if ((await reader.GetStateAsync(stoppingToken)).TreeSize != Volatile.Read(ref _signedSize))
                    await SignNowAsync(stoppingToken);
            }
            catch (Exception e) when (DatabaseFailures.IsUnavailable(e))
            {
                LogSigningFailed(logger, e.GetBaseException().Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not sign a ledger checkpoint: {Reason}")]
    private static partial void LogSigningFailed(ILogger logger, string reason);
}
