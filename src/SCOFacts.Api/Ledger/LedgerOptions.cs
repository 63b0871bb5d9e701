namespace SCOFacts.Api.Ledger;

/// <summary>Settings of the ledger's signing, checkpoints and sealing-lag watch (section <c>Ledger</c>).</summary>
public sealed class LedgerOptions
{
    public const string Section = "Ledger";

    /// <summary>
    /// The private signing key's file, made on first start (owner-only). Relative paths mean the folder the API is
    /// started from, as the local database's folder does. Keep it out of database backups: see docs/ledger.md, "Keys".
    /// </summary>
    public string SigningKeyPath { get; set; } = Path.Combine(".data", "ledger", "signing.key");

    /// <summary>The log's name: the first line of every checkpoint and the name of its key.</summary>
    public string Origin { get; set; } = "scofacts.local/ledger";

    /// <summary>How often the tree's size is read; a new checkpoint is signed whenever it has grown.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the sealing lag is sampled for the metrics.</summary>
    public TimeSpan LagSampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Readiness reports Degraded once the oldest unsealed event is older than this.</summary>
    public TimeSpan SealingLagDegradedAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often the whole ledger is verified in the background against the event table (every event a leaf exactly
    /// once, every leaf its event's bytes, nodes and checkpoints agreeing); a failure turns readiness Unhealthy.
    /// </summary>
    public TimeSpan VerifyInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The schema holding the event table (<c>mt_events</c>) the sealing lag is measured against.</summary>
    public string EventSchema { get; set; } = "public";
}
