using Npgsql;
using NpgsqlTypes;

namespace SCOFacts.Ledger;

/// <summary>Reads stored complete-subtree hashes: leaves from <c>ledger_leaves</c>, higher levels from <c>ledger_nodes</c>.</summary>
internal static class HashStore
{
    /// <summary>
    /// The hashes of <paramref name="subtrees"/>, fetched with one query. Throws when one is missing: every complete
    /// subtree below the tree's size is stored, so a missing one means the tables were tampered with.
    /// </summary>
    public static async Task<Dictionary<Subtree, byte[]>> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<Subtree> subtrees, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Subtree, byte[]>(subtrees.Count);
        if (subtrees.Count == 0)
            return found;
        var leaves = subtrees.Where(s => s.Level == 0).Select(s => s.Index).ToArray();
        var nodes = subtrees.Where(s => s.Level > 0).ToArray();
        await using var command = new NpgsqlCommand(
            """
            SELECT 0, leaf_index, leaf_hash FROM ledger_leaves WHERE leaf_index = ANY($1)
            UNION ALL
            SELECT n.level, n.node_index, n.hash
            FROM unnest($2::smallint[], $3::bigint[]) AS q(level, node_index)
            JOIN ledger_nodes n ON n.level = q.level AND n.node_index = q.node_index
            """,
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = leaves, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = nodes.Select(n => (short)n.Level).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter { Value = nodes.Select(n => n.Index).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                found[new Subtree(reader.GetInt32(0), reader.GetInt64(1))] = reader.GetFieldValue<byte[]>(2);
        }
        foreach (var subtree in subtrees)
        {
            if (!found.ContainsKey(subtree))
                throw new InvalidOperationException($"The ledger has no stored hash for the complete subtree at level {subtree.Level}, index {subtree.Index}: its tables are damaged.");
        }
        return found;
    }

    /// <summary>The hash of [lo, hi) from its complete pieces, folded right to left as the RFC's split builds it.</summary>
    public static byte[] Fold(List<Subtree> pieces, Dictionary<Subtree, byte[]> hashes)
    {
        var hash = hashes[pieces[^1]];
        for (var i = pieces.Count - 2; i >= 0; i--)
            hash = TreeHashing.Node(hashes[pieces[i]], hash);
        return hash;
    }

    /// <summary>The tree's size and the last position it covers, from the batches table (0 and 0 when nothing is sealed).</summary>
    public static async Task<(long TreeSize, long SealedThrough)> ReadStateAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(StateSql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadStateAsync(reader, cancellationToken);
    }

    /// <summary>The tree's size and the last position it covers: one row, or none while nothing is sealed.</summary>
    public const string StateSql = "SELECT first_leaf + leaf_count, through_position FROM ledger_batches ORDER BY through_position DESC LIMIT 1";

    /// <summary>The state from the result of <see cref="StateSql"/>, on which <paramref name="reader"/> stands.</summary>
    public static async Task<(long TreeSize, long SealedThrough)> ReadStateAsync(NpgsqlDataReader reader, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
}
