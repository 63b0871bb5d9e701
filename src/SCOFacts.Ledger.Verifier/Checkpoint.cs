namespace SCOFacts.Ledger.Verifier;

/// <summary>A tree head a checkpoint commits to: the log's origin, its size and its root hash.</summary>
/// <param name="Origin">The log's name.</param>
/// <param name="TreeSize">How many leaves the tree has.</param>
/// <param name="RootHash">The tree's root hash (32 bytes).</param>
public sealed record Checkpoint(string Origin, long TreeSize, byte[] RootHash);
