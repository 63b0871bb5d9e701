using Npgsql;

namespace SCOFacts.Api.Trust;

/// <summary>One learned estimate of a source, as it stood from <paramref name="EstimatedAt"/>; a null reliability means the
/// source no longer had claims to learn from (and so its rating or the default applied again).</summary>
public sealed record LearnedEstimate(DateTimeOffset EstimatedAt, double? Reliability, int Support);

/// <summary>The estimator's outputs: source_trust (current) and source_trust_history (every change).</summary>
public static class TrustStore
{
    /// <summary>
    /// Writes the learned reliabilities (rounded already) that differ from the current ones, appends a history row
    /// for each (stamped with the time of writing), and drops sources with nothing left to learn from. Returns how
    /// many sources changed and which of them changed in reliability (not only in support).
    /// </summary>
    public static async Task<(int Changed, IReadOnlyCollection<string> Moved)> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyDictionary<string, (double Reliability, int Support)> learned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(learned);
        var current = new Dictionary<string, (double Reliability, int Support)>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand("SELECT source_id, reliability, support FROM source_trust", connection, transaction))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) current[reader.GetString(0)] = (reader.GetDouble(1), reader.GetInt32(2));
        }

        var upserts = new List<(string Id, double Reliability, int Support)>();
        var moved = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (id, (reliability, support)) in learned)
        {
            var had = current.TryGetValue(id, out var old);
            var reliabilityMoved = !had || Math.Abs(old.Reliability - reliability) > TrustProjection.ChangeThreshold;
            if (reliabilityMoved) moved.Add(id);
            if (reliabilityMoved || old.Support != support) upserts.Add((id, reliability, support));
        }
        var dropped = current.Keys.Where(id => !learned.ContainsKey(id)).Order(StringComparer.Ordinal).ToArray();
        moved.UnionWith(dropped);
        if (upserts.Count == 0 && dropped.Length == 0) return (0, moved);

        upserts.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        await using var batch = new NpgsqlBatch(connection, transaction);
        var ids = upserts.Select(u => u.Id).ToArray();
        var reliabilities = upserts.Select(u => u.Reliability).ToArray();
        var supports = upserts.Select(u => u.Support).ToArray();
        var upsert = new NpgsqlBatchCommand(
            "INSERT INTO source_trust (source_id, reliability, support, estimated_at) " +
            "SELECT id, r, s, clock_timestamp() FROM unnest($1::text[], $2::float8[], $3::int[]) AS u(id, r, s) " +
            "ON CONFLICT (source_id) DO UPDATE SET reliability = excluded.reliability, support = excluded.support, estimated_at = excluded.estimated_at");
        upsert.Parameters.Add(new NpgsqlParameter { Value = ids });
        upsert.Parameters.Add(new NpgsqlParameter { Value = reliabilities });
        upsert.Parameters.Add(new NpgsqlParameter { Value = supports });
        batch.BatchCommands.Add(upsert);
        var history = new NpgsqlBatchCommand(
            "INSERT INTO source_trust_history (source_id, estimated_at, reliability, support) " +
            "SELECT id, clock_timestamp(), r, s FROM unnest($1::text[], $2::float8[], $3::int[]) AS u(id, r, s)");
        history.Parameters.Add(new NpgsqlParameter { Value = ids });
        history.Parameters.Add(new NpgsqlParameter { Value = reliabilities });
        history.Parameters.Add(new NpgsqlParameter { Value = supports });
        batch.BatchCommands.Add(history);
        var drop = new NpgsqlBatchCommand("DELETE FROM source_trust WHERE source_id = ANY($1)");
        drop.Parameters.Add(new NpgsqlParameter { Value = dropped });
        batch.BatchCommands.Add(drop);
        var droppedHistory = new NpgsqlBatchCommand(
            "INSERT INTO source_trust_history (source_id, estimated_at, reliability, support) SELECT id, clock_timestamp(), NULL, 0 FROM unnest($1::text[]) AS u(id)");
        droppedHistory.Parameters.Add(new NpgsqlParameter { Value = dropped });
        batch.BatchCommands.Add(droppedHistory);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return (upserts.Count + dropped.Length, moved);
    }
}

/// <summary>The copy groups the estimator found, stored beside the learned reliabilities.</summary>
public static class CopyGroupStore
{
    /// <summary>
    /// Sets each learned source's copy group (null when it copies nobody) where it changed, and returns the sources
    /// whose group changed: their facts must be reconciled again, since a group speaks as one voice.
    /// </summary>
    public static async Task<IReadOnlyCollection<string>> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyDictionary<string, string?> groups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var ids = groups.Keys.Order(StringComparer.Ordinal).ToArray();
        var values = ids.Select(id => groups[id]).ToArray();
        await using var command = new NpgsqlCommand(
            "UPDATE source_trust t SET copy_group = u.g FROM unnest($1::text[], $2::text[]) AS u(id, g) " +
            "WHERE t.source_id = u.id AND t.copy_group IS DISTINCT FROM u.g RETURNING t.source_id", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        command.Parameters.Add(new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        var changed = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) changed.Add(reader.GetString(0));
        return changed;
    }
}

/// <summary>Reads of the learned estimates for the API.</summary>
public sealed class TrustQueries(NpgsqlDataSource dataSource)
{
    /// <summary>How many history entries a source view shows: the most recent ones.</summary>
    public const int HistoryLimit = 100;

    /// <summary>A source's learned estimates over time, oldest first (the most recent <see cref="HistoryLimit"/>).</summary>
    public async Task<IReadOnlyList<LearnedEstimate>> HistoryAsync(string sourceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT estimated_at, reliability, support FROM (SELECT * FROM source_trust_history WHERE source_id = $1 " +
            "ORDER BY estimated_at DESC LIMIT $2) h ORDER BY estimated_at");
        command.Parameters.Add(new NpgsqlParameter { Value = sourceId });
        command.Parameters.Add(new NpgsqlParameter { Value = HistoryLimit });
        var history = new List<LearnedEstimate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            history.Add(new LearnedEstimate(new DateTimeOffset(reader.GetFieldValue<DateTime>(0), TimeSpan.Zero),
                reader.IsDBNull(1) ? null : reader.GetDouble(1), reader.GetInt32(2)));
        }
        return history;
    }
}
