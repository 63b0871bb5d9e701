using Microsoft.AspNetCore.Mvc.RazorPages;
using SCOFacts.Api.Ledger;
using SCOFacts.Api.Platform;
using SCOFacts.Ledger;

namespace SCOFacts.Api.Desk.Pages;

/// <summary>The ledger at a glance: the latest signed checkpoint, the sealing lag and how to check a proof offline.</summary>
public sealed class LedgerModel(LedgerQueries queries, SealingLagMonitor lag, LedgerSigningKey key) : PageModel
{
    /// <summary>The largest tree signed so far.</summary>
    public StoredCheckpoint Checkpoint { get; private set; } = null!;

    /// <summary>Events stored but not yet sealed, and the age of the oldest.</summary>
    public SealingLagSample Lag { get; private set; } = null!;

    /// <summary>The public key checkpoints verify with.</summary>
    public string VerifierKey => key.VerifierKey;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Checkpoint = await queries.LatestCheckpointAsync(cancellationToken);
        Lag = await lag.MeasureAsync(cancellationToken);
    }
}
