using Npgsql;
using SCOFacts.Ledger;

namespace SCOFacts.Api.Ledger;

/// <summary>A signed checkpoint as stored: the head it signs and the note itself.</summary>
/// <param name="TreeSize">The tree's size.</param>
/// <param name="RootHash">The tree's root hash.</param>
/// <param name="Note">The signed note, exactly as signed (docs/ledger.md, "Checkpoint").</param>
public sealed record StoredCheckpoint(long TreeSize, byte[] RootHash, string Note);

/// <summary>What the endpoints read from the ledger's tables beyond <see cref="LedgerReader"/>: checkpoints with their heads, leaves by index.</summary>
public sealed class LedgerQueries(NpgsqlDataSource dataSource, LedgerCheckpointSigner signer)
{
    /// <summary>The checkpoint of the largest tree signed; on a log never signed yet, one is signed first.</summary>
    public async Task<StoredCheckpoint> LatestCheckpointAsync(CancellationToken cancellationToken = default)
    {
        if (await ReadLatestAsync(cancellationToken) is { } stored)
            return stored;
        await signer.SignNowAsync(cancellationToken);
        return await ReadLatestAsync(cancellationToken)
            ?? throw new InvalidOperationException("A checkpoint was signed but none is stored.");
    }

    /// <summary>The leaf at <paramref name="leafIndex"/>, or null when the tree is not that large.</summary>
    public async Task<LedgerLeaf?> FindLeafAsync(long leafIndex, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT leaf_index, position, event_id, leaf_hash FROM ledger_leaves WHERE leaf_index = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = leafIndex });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new LedgerLeaf(reader.GetInt64(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetFieldValue<byte[]>(3))
            : null;
    }

    private async Task<StoredCheckpoint?> ReadLatestAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT tree_size, root_hash, checkpoint FROM ledger_checkpoints ORDER BY tree_size DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredCheckpoint(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetString(2))
            : null;
    }
}
