using Npgsql;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;
using SCOFacts.Domain.Trust;
using SCOFacts.Domain.Values;
using SCOFacts.EventStore;
using SCOFacts.EventStore.Projections;

namespace SCOFacts.Api.Trust;

/// <summary>What one estimation did.</summary>
/// <param name="Claims">Claims the estimate rests on (active ones and ones lost to upheld disputes).</param>
/// <param name="Sources">Sources with a learned reliability.</param>
/// <param name="SourcesChanged">Sources whose learned reliability or support changed.</param>
/// <param name="FactsReconciled">Fact views reconciled again.</param>
/// <param name="Iterations">Update rounds the estimator ran.</param>
/// <param name="Converged">Whether it stopped because the reliabilities stopped moving.</param>
public sealed record TrustRun(int Claims, int Sources, int SourcesChanged, int FactsReconciled, int Iterations, bool Converged);

/// <summary>
/// Learns source reliabilities in the projection daemon. Keeps the estimator's inputs (trust_claims,
/// trust_sources) from fact and source events; when they change, estimates again over every claim, with
/// editors' ratings as priors, writes source_trust (current) and source_trust_history (every change, for
/// reads as known at a moment), and reconciles again the facts citing sources whose reliability moved.
/// </summary>
/// <remarks>
/// Everything happens in the daemon's batch transaction, so it is applied exactly once with the checkpoint;
/// writes never wait for an estimation (at most for the short re-reconciliation of the fact they touch).
/// The estimate is warm-started from the previous one kept in memory, which only saves rounds: copy groups
/// are detected afresh and stored reliabilities are rounded to <see cref="Decimals"/> places, well above
/// the estimator's tolerance, so the rows do not depend on whether a warm start was available.
/// It owns no table the generic rebuilder could replay (its history is stamped with the time of each
/// estimation and it updates the facts projection's views); <see cref="ReestimateAsync"/> re-derives its
/// inputs from the log and estimates from scratch instead.
/// </remarks>
public sealed class TrustProjection : IProjection
{
    /// <summary>The checkpoint name.</summary>
    public const string ProjectionName = "trust";

    /// <summary>Stored reliabilities are rounded to this many decimal places.</summary>
    public const int Decimals = 4;

    /// <summary>A reliability that moves by more than this is a change: a history row, and its facts reconciled again.</summary>
    public const double ChangeThreshold = 1e-6;

    /// <summary>The estimator's settings: the measured defaults, with copy detection never carried over by a warm start.</summary>
    public static TrustOptions Options { get; } = TrustOptions.Default with { WarmStartCopyGroups = false };

    private readonly SemaphoreSlim _gate = new(1, 1);
    private TrustEstimate? _previous;

    /// <inheritdoc />
    public string Name => ProjectionName;

    /// <inheritdoc />
    public IReadOnlyList<ProjectionTable> Tables => [];

    /// <summary>The most recent run (for tests and diagnostics).</summary>
    public TrustRun? LastRun { get; private set; }

    /// <inheritdoc />
    public async Task ApplyAsync(NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(events);
        var factStreams = new SortedSet<string>(StringComparer.Ordinal);
        var sourceStreams = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            switch (EventStore.EventStore.StreamTypeOf(e.StreamId))
            {
                case "fact": factStreams.Add(e.StreamId); break;
                case "source": sourceStreams.Add(e.StreamId); break;
            }
        }
        if (factStreams.Count == 0 && sourceStreams.Count == 0) return;

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var connection = transaction.Connection!;
            var changed = false;
            // Sources first: a claim in the same batch needs its source's voice.
            foreach (var stream in sourceStreams) changed |= await TrustInputs.SyncSourceAsync(connection, transaction, stream, cancellationToken);
            var touched = new List<string>();
            foreach (var stream in factStreams)
            {
                var (factId, factChanged) = await TrustInputs.SyncFactAsync(connection, transaction, stream, cancellationToken);
                if (factId is not null) touched.Add(factId);
                changed |= factChanged;
            }

            // Facts written in this batch are reconciled again even when nothing moved: a write racing the
            // previous batch's re-reconciliation may have used the weights from before it.
            LastRun = await EstimateAndReconcileAsync(connection, transaction, estimate: changed, cold: false, touched,
                events[^1].RecordedAt, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Full re-estimation on demand: re-derives every input from the log, estimates from scratch (no warm
    /// start) and reconciles again the facts whose sources' reliabilities moved. Runs in its own transaction,
    /// serialised with the daemon's batches (in any process) by the projection's checkpoint row.
    /// </summary>
    public async Task<TrustRun> ReestimateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await ProjectionCheckpoints.EnsureAsync(dataSource, ProjectionName, cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var lockCheckpoint = new NpgsqlCommand(
                "SELECT 1 FROM projection_checkpoints WHERE name = $1 FOR UPDATE", connection, transaction))
            {
                lockCheckpoint.Parameters.Add(new NpgsqlParameter { Value = ProjectionName });
                await lockCheckpoint.ExecuteNonQueryAsync(cancellationToken);
            }

            await TrustInputs.ResyncAllAsync(connection, transaction, cancellationToken);
            var run = await EstimateAndReconcileAsync(connection, transaction, estimate: true, cold: true, [], null, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LastRun = run;
            return run;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<TrustRun> EstimateAndReconcileAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, bool estimate,
        bool cold, IReadOnlyCollection<string> touchedFacts, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        var run = new TrustRun(0, 0, 0, 0, 0, true);
        IReadOnlyCollection<string> moved = [];
        if (estimate)
        {
            var claims = await TrustInputs.ClaimsAsync(connection, transaction, cancellationToken);
            var priors = await TrustInputs.PriorsAsync(connection, transaction, cancellationToken);
            var result = TrustEstimator.Estimate(claims, priors, Options, cold ? null : _previous);
            _previous = result;
            var learned = result.Sources.Where(s => s.Support > 0)
                .ToDictionary(s => s.SourceId, s => (Math.Round(s.Reliability, Decimals), s.Support), StringComparer.Ordinal);
            var (changed, movedSources) = await TrustStore.WriteAsync(connection, transaction, learned, cancellationToken);
            var regrouped = await CopyGroupStore.WriteAsync(connection, transaction,
                result.Sources.Where(s => s.Support > 0).ToDictionary(s => s.SourceId, s => s.CopyGroup, StringComparer.Ordinal), cancellationToken);
            moved = movedSources.Union(regrouped, StringComparer.Ordinal).ToList();
            run = run with { Claims = claims.Count, Sources = learned.Count, SourcesChanged = changed, Iterations = result.Iterations, Converged = result.Converged };
        }

        var facts = await FactsToReconcileAsync(connection, transaction, moved, touchedFacts, cancellationToken);
        foreach (var factId in facts)
        {
            // Lock the view before folding, so that a write committing meanwhile cannot be overwritten by an older fold.
            await using (var lockView = new NpgsqlCommand("SELECT 1 FROM fact_views WHERE fact_id = $1 FOR UPDATE", connection, transaction))
            {
                lockView.Parameters.Add(new NpgsqlParameter { Value = factId });
                await lockView.ExecuteNonQueryAsync(cancellationToken);
            }
            await FactsProjection.RefreshFactAsync(connection, transaction, Fact.StreamId(factId), cancellationToken, viewOnly: true);
        }

        return run with { FactsReconciled = facts.Count };
    }

    /// <summary>In the database's fact_id order, the order the facts projection locks them in too.</summary>
    private static async Task<List<string>> FactsToReconcileAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyCollection<string> movedSources, IReadOnlyCollection<string> touchedFacts, CancellationToken cancellationToken)
    {
        var facts = new List<string>();
        if (movedSources.Count == 0 && touchedFacts.Count == 0) return facts;
        await using var command = new NpgsqlCommand(
            "SELECT fact_id FROM fact_views WHERE fact_id = ANY($2) " +
            "OR fact_id IN (SELECT fact_id FROM trust_claims WHERE source_id = ANY($1)) ORDER BY fact_id", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = movedSources.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = touchedFacts.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) facts.Add(reader.GetString(0));
        return facts;
    }
}

/// <summary>The estimator's inputs: trust_claims and trust_sources, derived from fact and source streams.</summary>
internal static class TrustInputs
{
    private sealed record Row(string ClaimId, string ObjectId, string SourceId, string Voice, double? Lower, double? Upper,
        bool? LowerClosed, bool? UpperClosed, string? Key, bool Upheld, bool Active);

    /// <summary>Claims of one publisher speak as one voice, whatever the spelling of its name.</summary>
    public static string VoiceOf(string publisher) => publisher.Trim().ToLowerInvariant();

    /// <summary>The fact at one valid time: claims about different times are about different objects.</summary>
    public static string ObjectIdOf(string factId, ValidTime validTime) => $"{factId}@{validTime.Range}";

    public static async Task<bool> SyncSourceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, CancellationToken cancellationToken)
    {
        var state = Source.Fold(await ReadStreamAsync(connection, transaction, streamId, cancellationToken));
        if (!state.IsRegistered) return false;
        var voice = VoiceOf(state.Publisher);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var upsert = new NpgsqlBatchCommand(
            "INSERT INTO trust_sources (source_id, voice, rated) VALUES ($1, $2, $3) ON CONFLICT (source_id) DO UPDATE " +
            "SET voice = excluded.voice, rated = excluded.rated " +
            "WHERE (trust_sources.voice, trust_sources.rated) IS DISTINCT FROM (excluded.voice, excluded.rated)");
        Add(upsert, state.SourceId, voice, state.Reliability);
        var claims = new NpgsqlBatchCommand("UPDATE trust_claims SET voice = $2 WHERE source_id = $1 AND voice <> $2");
        Add(claims, state.SourceId, voice);
        batch.BatchCommands.Add(upsert);
        batch.BatchCommands.Add(claims);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return upsert.RecordsAffected + claims.RecordsAffected > 0;
    }

    /// <summary>Rewrites a fact's claim rows from its stream; returns the fact id and whether any row changed.</summary>
    public static async Task<(string? FactId, bool Changed)> SyncFactAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, CancellationToken cancellationToken)
    {
        var state = Fact.Fold(await ReadStreamAsync(connection, transaction, streamId, cancellationToken));
        if (state.Definition is not { } definition) return (null, false);
        var claims = state.ClaimsInOrder.ToList();
        var voices = await VoicesAsync(connection, transaction, claims.Select(c => c.SourceId).Distinct(StringComparer.Ordinal).ToArray(), cancellationToken);
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

        var existing = new List<Row>();
        await using (var read = new NpgsqlCommand(
            "SELECT claim_id, object_id, source_id, voice, value_lower, value_upper, lower_closed, upper_closed, value_key, upheld, active " +
            "FROM trust_claims WHERE fact_id = $1", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = definition.FactId });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                existing.Add(new Row(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetDouble(4), reader.IsDBNull(5) ? null : reader.GetDouble(5),
                    reader.IsDBNull(6) ? null : reader.GetBoolean(6), reader.IsDBNull(7) ? null : reader.GetBoolean(7),
                    reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetBoolean(9), reader.GetBoolean(10)));
            }
        }
        existing.Sort((a, b) => string.CompareOrdinal(a.ClaimId, b.ClaimId));
        if (existing.SequenceEqual(rows)) return (definition.FactId, false);

        await using var batch = new NpgsqlBatch(connection, transaction);
        var clear = new NpgsqlBatchCommand("DELETE FROM trust_claims WHERE fact_id = $1");
        Add(clear, definition.FactId);
        batch.BatchCommands.Add(clear);
        foreach (var row in rows)
        {
            var insert = new NpgsqlBatchCommand(
                "INSERT INTO trust_claims (claim_id, fact_id, object_id, source_id, voice, value_lower, value_upper, lower_closed, " +
                "upper_closed, value_key, upheld, active) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
            Add(insert, row.ClaimId, definition.FactId, row.ObjectId, row.SourceId, row.Voice, row.Lower, row.Upper,
                row.LowerClosed, row.UpperClosed, row.Key, row.Upheld, row.Active);
            batch.BatchCommands.Add(insert);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return (definition.FactId, true);
    }

    /// <summary>Re-derives every row from the log (the full re-estimation's first step).</summary>
    public static async Task ResyncAllAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var streams = new List<(string Id, string Type)>();
        await using (var command = new NpgsqlCommand(
            "SELECT stream_id, stream_type FROM streams WHERE stream_type IN ('source', 'fact') ORDER BY stream_type DESC, stream_id",
            connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) streams.Add((reader.GetString(0), reader.GetString(1)));
        }

        var facts = new List<string>();
        foreach (var (id, type) in streams)
        {
            if (type == "source")
            {
                await SyncSourceAsync(connection, transaction, id, cancellationToken);
            }
            else if ((await SyncFactAsync(connection, transaction, id, cancellationToken)).FactId is { } factId)
            {
                facts.Add(factId);
            }
        }

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

    private static async Task<Dictionary<string, string>> VoicesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] sourceIds, CancellationToken cancellationToken)
    {
        var voices = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT source_id, voice FROM trust_sources WHERE source_id = ANY($1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = sourceIds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) voices[reader.GetString(0)] = reader.GetString(1);
        return voices;
    }

    private static async Task<List<object>> ReadStreamAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, CancellationToken cancellationToken)
    {
        var events = new List<object>();
        await using var command = new NpgsqlCommand(
            "SELECT event_type, data::text FROM events WHERE stream_id = $1 ORDER BY stream_version", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) events.Add(DomainEvents.Deserialize(reader.GetString(0), reader.GetString(1)));
        return events;
    }

    private static void Add(NpgsqlBatchCommand command, params object?[] values)
    {
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
    }
}
