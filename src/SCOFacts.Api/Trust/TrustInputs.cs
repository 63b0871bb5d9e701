using Npgsql;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;
using SCOFacts.Domain.Trust;
using SCOFacts.Domain.Values;

namespace SCOFacts.Api.Trust;

/// <summary>The estimator's inputs: trust_claims and trust_sources, derived from fact and source streams.</summary>
/// <remarks>
/// Streams are read, compared and written many at a time: a round trip per stream is what made a full
/// re-derivation cost tens of seconds on a store the estimator itself handles in one.
/// </remarks>
internal static class TrustInputs
{
    /// <summary>Streams read per round trip.</summary>
    private const int ChunkSize = 2000;

    private sealed record Row(string ClaimId, string ObjectId, string SourceId, string Voice, double? Lower, double? Upper,
        bool? LowerClosed, bool? UpperClosed, string? Key, bool Upheld, bool Active);

    /// <summary>Claims of one publisher speak as one voice, whatever the spelling of its name.</summary>
    public static string VoiceOf(string publisher) => publisher.Trim().ToLowerInvariant();

    /// <summary>The fact at one valid time: claims about different times are about different objects.</summary>
    public static string ObjectIdOf(string factId, ValidTime validTime) => $"{factId}@{validTime.Range}";

    /// <summary>Rewrites the rows of the given source streams that differ from their streams; true when any row changed.</summary>
    public static async Task<bool> SyncSourcesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyCollection<string> streamIds, CancellationToken cancellationToken)
    {
        var changed = false;
        foreach (var chunk in streamIds.Chunk(ChunkSize))
        {
            var states = new List<SourceState>();
            foreach (var events in (await ReadStreamsAsync(connection, transaction, chunk, cancellationToken)).Values)
            {
                var state = Source.Fold(events);
                if (state.IsRegistered) states.Add(state);
            }
            if (states.Count == 0) continue;
            states.Sort((a, b) => string.CompareOrdinal(a.SourceId, b.SourceId));
            var ids = states.Select(s => s.SourceId).ToArray();
            var voices = states.Select(s => VoiceOf(s.Publisher)).ToArray();
            await using var batch = new NpgsqlBatch(connection, transaction);
            var upsert = new NpgsqlBatchCommand(
                "INSERT INTO trust_sources (source_id, voice, rated) SELECT * FROM unnest($1::text[], $2::text[], $3::float8[]) " +
                "ON CONFLICT (source_id) DO UPDATE SET voice = excluded.voice, rated = excluded.rated " +
                "WHERE (trust_sources.voice, trust_sources.rated) IS DISTINCT FROM (excluded.voice, excluded.rated)");
            upsert.Parameters.Add(new NpgsqlParameter { Value = ids });
            upsert.Parameters.Add(new NpgsqlParameter { Value = voices });
            upsert.Parameters.Add(new NpgsqlParameter { Value = states.Select(s => s.Reliability).ToArray() });
            var claims = new NpgsqlBatchCommand(
                "UPDATE trust_claims c SET voice = u.voice FROM unnest($1::text[], $2::text[]) AS u(id, voice) " +
                "WHERE c.source_id = u.id AND c.voice <> u.voice");
            claims.Parameters.Add(new NpgsqlParameter { Value = ids });
            claims.Parameters.Add(new NpgsqlParameter { Value = voices });
            batch.BatchCommands.Add(upsert);
            batch.BatchCommands.Add(claims);
            await batch.ExecuteNonQueryAsync(cancellationToken);
            changed |= upsert.RecordsAffected + claims.RecordsAffected > 0;
        }
        return changed;
    }

    /// <summary>
    /// Rewrites the claim rows of the given fact streams that differ from their streams; returns the facts found
    /// and whether any row changed.
    /// </summary>
    public static async Task<(List<string> FactIds, bool Changed)> SyncFactsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyCollection<string> streamIds, CancellationToken cancellationToken)
    {
        var factIds = new List<string>();
        var changed = false;
        foreach (var chunk in streamIds.Chunk(ChunkSize))
        {
            var facts = new List<(FactDefinition Definition, List<ClaimState> Claims)>();
            foreach (var events in (await ReadStreamsAsync(connection, transaction, chunk, cancellationToken)).Values)
            {
                var state = Fact.Fold(events);
                if (state.Definition is { } definition) facts.Add((definition, state.ClaimsInOrder.ToList()));
            }
            if (facts.Count == 0) continue;
            var ids = facts.Select(f => f.Definition.FactId).ToArray();
            factIds.AddRange(ids);

            var voices = await VoicesAsync(connection, transaction,
                facts.SelectMany(f => f.Claims.Select(c => c.SourceId)).Distinct(StringComparer.Ordinal).ToArray(), cancellationToken);
            var existing = await RowsAsync(connection, transaction, ids, cancellationToken);
            var rewrite = new List<(string FactId, List<Row> Rows)>();
            foreach (var (definition, claims) in facts)
            {
                var rows = RowsOf(definition, claims, voices);
                var stored = existing.TryGetValue(definition.FactId, out var s) ? s : [];
                stored.Sort((a, b) => string.CompareOrdinal(a.ClaimId, b.ClaimId));
                if (!stored.SequenceEqual(rows)) rewrite.Add((definition.FactId, rows));
            }
            if (rewrite.Count == 0) continue;
            changed = true;
            await WriteAsync(connection, transaction, rewrite, cancellationToken);
        }
        return (factIds, changed);
    }

    /// <summary>Re-derives every row from the log (the full re-estimation's first step).</summary>
    public static async Task ResyncAllAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var sources = new List<string>();
        var factStreams = new List<string>();
        await using (var command = new NpgsqlCommand(
            "SELECT id FROM mt_streams WHERE id LIKE 'source-%' OR id LIKE 'fact-%' ORDER BY id", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetString(0);
                (id.StartsWith("source-", StringComparison.Ordinal) ? sources : factStreams).Add(id);
            }
        }

        // Sources first: a claim needs its source's voice.
        await SyncSourcesAsync(connection, transaction, sources, cancellationToken);
        var (facts, _) = await SyncFactsAsync(connection, transaction, factStreams, cancellationToken);

        // Rows of streams that no longer fold to anything (there are none today; this keeps "from the log" exact).
        await using var prune = new NpgsqlCommand("DELETE FROM trust_claims WHERE NOT (fact_id = ANY($1))", connection, transaction);
        prune.Parameters.Add(new NpgsqlParameter { Value = facts.ToArray() });
        await prune.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every claim the estimate learns from: active ones, and ones lost to upheld disputes (as evidence against their source).</summary>
    public static async Task<List<TrustClaim>> ClaimsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var claims = new List<TrustClaim>();
        await using var command = new NpgsqlCommand(
            "SELECT claim_id, object_id, source_id, voice, value_lower, value_upper, lower_closed, upper_closed, value_key, upheld " +
            "FROM trust_claims WHERE active OR upheld", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var value = reader.IsDBNull(8)
                ? TrustValue.Numeric(new Interval(reader.GetDouble(4), reader.GetDouble(5), reader.GetBoolean(6), reader.GetBoolean(7)))
                : TrustValue.Category(reader.GetString(8));
            claims.Add(new TrustClaim(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), value, reader.GetBoolean(9)));
        }
        return claims;
    }

    /// <summary>Editors' ratings: strong priors, not overrides.</summary>
    public static async Task<List<SourcePrior>> PriorsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var priors = new List<SourcePrior>();
        await using var command = new NpgsqlCommand("SELECT source_id, rated FROM trust_sources WHERE rated IS NOT NULL", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) priors.Add(new SourcePrior(reader.GetString(0), Math.Clamp(reader.GetDouble(1), 0, 1)));
        return priors;
    }

    /// <summary>A fact's rows as its claims give them, in claim id order.</summary>
    private static List<Row> RowsOf(FactDefinition definition, List<ClaimState> claims, Dictionary<string, string> voices)
    {
        var rows = new List<Row>();
        foreach (var claim in claims)
        {
            // A claim recorded under older rules that no longer normalises is left out, as reconciliation does.
            if (!definition.TryNormalise(claim.Value, out var value, out _)) continue;
            // Nor can an empty interval ("less than 0") be right or wrong about anything.
            if (value.Interval is { } empty && (empty.IsEmpty || double.IsNaN(empty.Lower) || double.IsNaN(empty.Upper))) continue;
            var voice = voices.TryGetValue(claim.SourceId, out var v) ? v : VoiceOf(claim.SourceId);
            var interval = value.Interval;
            rows.Add(new Row(claim.ClaimId, ObjectIdOf(definition.FactId, claim.ValidTime), claim.SourceId, voice,
                interval?.Lower, interval?.Upper, interval?.LowerClosed, interval?.UpperClosed, value.Key,
                claim.HasUpheldDispute, claim.IsActive));
        }
        rows.Sort((a, b) => string.CompareOrdinal(a.ClaimId, b.ClaimId));
        return rows;
    }

    private static async Task<Dictionary<string, List<Row>>> RowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string[] factIds, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
        await using var read = new NpgsqlCommand(
            "SELECT fact_id, claim_id, object_id, source_id, voice, value_lower, value_upper, lower_closed, upper_closed, value_key, upheld, active " +
            "FROM trust_claims WHERE fact_id = ANY($1)", connection, transaction);
        read.Parameters.Add(new NpgsqlParameter { Value = factIds });
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var factId = reader.GetString(0);
            if (!rows.TryGetValue(factId, out var list)) rows[factId] = list = [];
            list.Add(new Row(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetDouble(5), reader.IsDBNull(6) ? null : reader.GetDouble(6),
                reader.IsDBNull(7) ? null : reader.GetBoolean(7), reader.IsDBNull(8) ? null : reader.GetBoolean(8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetBoolean(10), reader.GetBoolean(11)));
        }
        return rows;
    }

    /// <summary>Replaces the rows of the given facts: one delete and one insert, whatever their number.</summary>
    private static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<(string FactId, List<Row> Rows)> facts,
        CancellationToken cancellationToken)
    {
        var rows = facts.SelectMany(f => f.Rows.Select(r => (f.FactId, Row: r))).ToList();
        await using var batch = new NpgsqlBatch(connection, transaction);
        var clear = new NpgsqlBatchCommand("DELETE FROM trust_claims WHERE fact_id = ANY($1)");
        clear.Parameters.Add(new NpgsqlParameter { Value = facts.Select(f => f.FactId).ToArray() });
        batch.BatchCommands.Add(clear);
        var insert = new NpgsqlBatchCommand(
            "INSERT INTO trust_claims (claim_id, fact_id, object_id, source_id, voice, value_lower, value_upper, lower_closed, " +
            "upper_closed, value_key, upheld, active) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], " +
            "$6::float8[], $7::float8[], $8::bool[], $9::bool[], $10::text[], $11::bool[], $12::bool[])");
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Row.ClaimId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.FactId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Row.ObjectId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Row.SourceId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Row.Voice).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Row.Lower).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Row.Upper).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Row.LowerClosed).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Row.UpperClosed).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Row.Key).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Row.Upheld).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Row.Active).ToArray() });
        batch.BatchCommands.Add(insert);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Dictionary<string, string>> VoicesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] sourceIds, CancellationToken cancellationToken)
    {
        var voices = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT source_id, voice FROM trust_sources WHERE source_id = ANY($1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = sourceIds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) voices[reader.GetString(0)] = reader.GetString(1);
        return voices;
    }

    /// <summary>The events of many streams in one round trip, each stream's in order.</summary>
    private static async Task<Dictionary<string, List<object>>> ReadStreamsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string[] streamIds, CancellationToken cancellationToken)
    {
        var streams = new Dictionary<string, List<object>>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(
            "SELECT stream_id, type, data::text FROM mt_events WHERE stream_id = ANY($1) ORDER BY stream_id, version",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streamIds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var streamId = reader.GetString(0);
            if (!streams.TryGetValue(streamId, out var events)) streams[streamId] = events = [];
            events.Add(DomainEvents.Deserialize(reader.GetString(1), reader.GetString(2)));
        }
        return streams;
    }
}
