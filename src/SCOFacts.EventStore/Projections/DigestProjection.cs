using Npgsql;

namespace SCOFacts.EventStore.Projections;

/// <summary>
/// Keeps the global digest: after each batch of the feed, one row in event_digests
/// holding the running SHA-256 over every event hash so far, in commit order.
/// </summary>
/// <remarks>
/// Its rows depend on batch boundaries, so it owns no rebuildable table: the verifier
/// recomputes the digest from the log instead, which is the check that matters.
/// </remarks>
public sealed class DigestProjection : IProjection
{
    /// <summary>The checkpoint name.</summary>
    public const string ProjectionName = "log-digest";

    /// <inheritdoc />
    public string Name => ProjectionName;

    /// <inheritdoc />
    public IReadOnlyList<ProjectionTable> Tables => [];

    /// <inheritdoc />
    public async Task ApplyAsync(NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return;
        var connection = transaction.Connection!;
        var digest = EventHash.EmptyDigest;
        long count = 0;
        await using (var command = new NpgsqlCommand("SELECT digest, event_count FROM event_digests ORDER BY digest_id DESC LIMIT 1", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                digest = reader.GetFieldValue<byte[]>(0);
                count = reader.GetInt64(1);
            }
        }
        foreach (var e in events) digest = EventHash.ExtendDigest(digest, e.Hash);
        var last = events[^1].FeedPosition;
        await using var insert = new NpgsqlCommand(
            "INSERT INTO event_digests (transaction_id, global_position, event_count, digest) VALUES ($1::text::xid8, $2, $3, $4)",
            connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = last.TransactionId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        insert.Parameters.Add(new NpgsqlParameter { Value = last.GlobalPosition });
        insert.Parameters.Add(new NpgsqlParameter { Value = count + events.Count });
        insert.Parameters.Add(new NpgsqlParameter { Value = digest });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }
}
