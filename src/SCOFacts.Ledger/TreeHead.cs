namespace SCOFacts.Ledger;

/// <summary>The state of the tree at a size: how many leaves, and the root hash over them.</summary>
/// <param name="TreeSize">The number of leaves.</param>
/// <param name="RootHash">The RFC 6962 root hash (32 bytes; SHA-256 of nothing for the empty tree).</param>
public sealed record TreeHead(long TreeSize, byte[] RootHash);

/// <summary>An inclusion proof (docs/ledger.md, "Proofs").</summary>
/// <param name="LeafIndex">The leaf proved.</param>
/// <param name="TreeSize">The size of the tree it is proved in.</param>
/// <param name="Hashes">The audit path, from the leaf upward.</param>
/// <param name="HashesRead">How many stored hashes building the proof read.</param>
public sealed record InclusionProof(long LeafIndex, long TreeSize, IReadOnlyList<byte[]> Hashes, int HashesRead);

/// <summary>A consistency proof (docs/ledger.md, "Proofs").</summary>
/// <param name="FirstSize">The older tree's size.</param>
/// <param name="SecondSize">The newer tree's size.</param>
/// <param name="Hashes">The proof's hashes in RFC 9162 order.</param>
/// <param name="HashesRead">How many stored hashes building the proof read.</param>
public sealed record ConsistencyProof(long FirstSize, long SecondSize, IReadOnlyList<byte[]> Hashes, int HashesRead);

/// <summary>One sealed leaf.</summary>
/// <param name="LeafIndex">Its index in the tree.</param>
/// <param name="Position">The position of the event it seals.</param>
/// <param name="EventId">The identity of the event it seals.</param>
/// <param name="LeafHash">Its hash.</param>
public sealed record LedgerLeaf(long LeafIndex, long Position, Guid EventId, byte[] LeafHash);

/// <summary>How far sealing has come: for measuring the sealing lag against the store's latest position.</summary>
/// <param name="TreeSize">Leaves sealed.</param>
/// <param name="SealedThrough">The last position covered by a sealed batch (0 before the first).</param>
/// <param name="LastSealedAt">When the last batch was sealed, or null before the first.</param>
public sealed record LedgerState(long TreeSize, long SealedThrough, DateTimeOffset? LastSealedAt);
