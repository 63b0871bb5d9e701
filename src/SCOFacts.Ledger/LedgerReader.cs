using Npgsql;

namespace SCOFacts.Ledger;

/// <summary>
/// Tree heads and proofs from the stored hashes. Every answer reads O(log n) rows: the complete subtrees it needs,
/// fetched by key in one query.
/// </summary>
public sealed class LedgerReader
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Creates a reader over the ledger tables of <paramref name="dataSource"/>'s database.</summary>
    public LedgerReader(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
    }

    /// <summary>The current tree: every leaf sealed so far.</summary>
    public async Task<TreeHead> GetTreeHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var (size, _) = await HashStore.ReadStateAsync(connection, transaction, cancellationToken);
        return new TreeHead(size, await RootAsync(connection, transaction, size, cancellationToken));
    }

    /// <summary>The tree as it was at <paramref name="treeSize"/> leaves.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is negative or larger than the tree.</exception>
    public async Task<TreeHead> GetTreeHeadAsync(long treeSize, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await CheckSizeAsync(connection, transaction, treeSize, cancellationToken);
        return new TreeHead(treeSize, await RootAsync(connection, transaction, treeSize, cancellationToken));
    }

    /// <summary>How far sealing has come; the store's latest position minus <see cref="LedgerState.SealedThrough"/> is the lag.</summary>
    public async Task<LedgerState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT first_leaf + leaf_count, through_position, sealed_at FROM ledger_batches ORDER BY through_position DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new LedgerState(reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2))
            : new LedgerState(0, 0, null);
    }

    /// <summary>The leaf sealing the event at <paramref name="position"/>, or null when that position is not sealed.</summary>
    public async Task<LedgerLeaf?> FindLeafByPositionAsync(long position, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT leaf_index, position, event_id, leaf_hash FROM ledger_leaves WHERE position = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = position });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new LedgerLeaf(reader.GetInt64(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetFieldValue<byte[]>(3))
            : null;
    }

    /// <summary>The proof that leaf <paramref name="leafIndex"/> is in the tree of <paramref name="treeSize"/> leaves.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The leaf is not below the size, or the size is larger than the tree.</exception>
    public async Task<InclusionProof> GetInclusionProofAsync(long leafIndex, long treeSize, CancellationToken cancellationToken = default)
    {
        if (leafIndex < 0 || leafIndex >= treeSize)
            throw new ArgumentOutOfRangeException(nameof(leafIndex), leafIndex, $"Leaf {leafIndex} is not in a tree of {treeSize} leaves.");
        var ranges = new List<(long Lo, long Hi)>();
        TreeShape.InclusionRanges(leafIndex, 0, treeSize, ranges);
        var (hashes, read) = await ReadRangesAsync(treeSize, ranges, cancellationToken);
        return new InclusionProof(leafIndex, treeSize, hashes, read);
    }

    /// <summary>The proof that the tree of <paramref name="firstSize"/> leaves is a prefix of the tree of <paramref name="secondSize"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The first size is negative or above the second, or the second is larger than the tree.</exception>
    public async Task<ConsistencyProof> GetConsistencyProofAsync(long firstSize, long secondSize, CancellationToken cancellationToken = default)
    {
        if (firstSize < 0 || firstSize > secondSize)
            throw new ArgumentOutOfRangeException(nameof(firstSize), firstSize, $"A tree of {firstSize} leaves cannot be a prefix of one of {secondSize}.");
        var ranges = new List<(long Lo, long Hi)>();
        if (firstSize > 0 && firstSize < secondSize)
            TreeShape.ConsistencyRanges(firstSize, secondSize, ranges);
        var (hashes, read) = await ReadRangesAsync(secondSize, ranges, cancellationToken);
        return new ConsistencyProof(firstSize, secondSize, hashes, read);
    }

    internal static async Task<byte[]> RootAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long treeSize, CancellationToken cancellationToken)
    {
        if (treeSize == 0)
            return TreeHashing.Empty();
        var pieces = TreeShape.Pieces(0, treeSize);
        var hashes = await HashStore.ReadAsync(connection, transaction, pieces, cancellationToken);
        return HashStore.Fold(pieces, hashes);
    }

    private async Task<(List<byte[]> Hashes, int Read)> ReadRangesAsync(long treeSize, List<(long Lo, long Hi)> ranges, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await CheckSizeAsync(connection, null, treeSize, cancellationToken);
        var pieces = ranges.Select(r => TreeShape.Pieces(r.Lo, r.Hi)).ToList();
        var distinct = pieces.SelectMany(p => p).ToHashSet();
        var hashes = await HashStore.ReadAsync(connection, null, distinct, cancellationToken);
        return (pieces.Select(p => HashStore.Fold(p, hashes)).ToList(), distinct.Count);
    }

    private static async Task CheckSizeAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long treeSize, CancellationToken cancellationToken)
    {
        var (size, _) = await HashStore.ReadStateAsync(connection, transaction, cancellationToken);
        if (treeSize < 0 || treeSize > size)
            throw new ArgumentOutOfRangeException(nameof(treeSize), treeSize, $"The ledger has {size} leaves; there is no tree of {treeSize}.");
    }
}
