using Npgsql;

namespace SCOFacts.Ledger;

/// <summary>
/// The right edge of the tree: its complete subtrees in the binary decomposition of its size, largest first. Appending
/// a leaf merges equal-sized neighbours into the complete nodes that become storable.
/// </summary>
internal sealed class Frontier
{
    private readonly List<(Subtree Node, byte[] Hash)> _stack;

    private Frontier(List<(Subtree, byte[])> stack, long size)
    {
        _stack = stack;
        Size = size;
    }

    public long Size { get; private set; }

    public static Frontier Empty() => new([], 0);

    public static async Task<Frontier> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long size, CancellationToken cancellationToken)
    {
        var pieces = TreeShape.Pieces(0, size);
        var hashes = await HashStore.ReadAsync(connection, transaction, pieces, cancellationToken);
        return new Frontier(pieces.Select(p => (p, hashes[p])).ToList(), size);
    }

    /// <summary>Appends the next leaf, adding to <paramref name="completed"/> every node above level 0 it completes.</summary>
    public void Append(byte[] leafHash, List<(Subtree Node, byte[] Hash)>? completed)
    {
        var top = (Node: new Subtree(0, Size), Hash: leafHash);
        Size++;
        while (_stack.Count > 0 && _stack[^1].Node.Level == top.Node.Level)
        {
            var left = _stack[^1];
            _stack.RemoveAt(_stack.Count - 1);
            top = (new Subtree(top.Node.Level + 1, left.Node.Index >> 1), TreeHashing.Node(left.Hash, top.Hash));
            completed?.Add(top);
        }
        _stack.Add(top);
    }

    /// <summary>The root of the tree so far.</summary>
    public byte[] Root()
    {
        if (_stack.Count == 0)
            return TreeHashing.Empty();
        var hash = _stack[^1].Hash;
        for (var i = _stack.Count - 2; i >= 0; i--)
            hash = TreeHashing.Node(_stack[i].Hash, hash);
        return hash;
    }
}
