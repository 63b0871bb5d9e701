using System.Text.Json;
using Npgsql;
using SCOFacts.Api.Subscriptions;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Sources;
using SCOFacts.EventStore;
using SCOFacts.EventStore.Projections;

namespace SCOFacts.Api.ReadModels;

/// <summary>
/// Keeps fact_views, claim_index, source_views and the stored answers (fact_answers, fact_answer_claims,
/// fact_answer_stretches) in step
/// with the log, inside each append's transaction, so a client reads its own write at once.
/// </summary>
/// <remarks>
/// Each call carries one stream's new events. A fact's events are taken into its stored state when that state is one
/// version behind them (the common case); otherwise (a rebuild, rows of an older release) the whole stream is folded.
/// Either way the rows are a pure function of the log and the current weights, and a rebuild reproduces them exactly.
/// A fact's answers also depend on its sources' weights: a source event re-reconciles every fact that cites the source.
/// Times stored are event times, never the wall clock. Each rewrite of answers goes through
/// <see cref="AnswerChangeOutbox"/>, which announces the answers it changed in the same transaction.
/// </remarks>
/// <param name="answerChanges">Announces changed answers; none in a host without messaging.</param>
public sealed class FactsProjection(AnswerChangeOutbox? answerChanges = null) : IProjection
{
    /// <summary>The projection's name.</summary>
    public const string ProjectionName = "facts";

    /// <inheritdoc />
    public string Name => ProjectionName;

    /// <inheritdoc />
    public IReadOnlyList<ProjectionTable> Tables { get; } =
        [
            new("source_views"), new("fact_views"), new("claim_index"), new("source_documents"),
            // A stored state's key is random by design (see FactStateCache): a rebuild stores the same state under another.
            new("fact_answers", ["state_key"]), new("fact_answer_claims"), new("fact_answer_stretches"),
        ];

    /// <inheritdoc />
    public async Task ApplyAsync(NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return;
        var connection = transaction.Connection!;
        var streamId = events[0].StreamId;
        var at = events[^1].RecordedAt;
        switch (StreamTypeOf(streamId))
        {
            case "fact":
                // The stored state one version behind these events takes them in; anything else (a rebuild, a row
                // written by an older release) folds the whole stream.
                if (await StoredAnswers.LoadAsync(connection, transaction, FactIdOf(streamId), cancellationToken) is { } stored
                    && stored.Version == events[0].StreamVersion - 1)
                    await ApplyToStoredAsync(connection, transaction, stored, events, answerChanges, cancellationToken);
                else
                    await RefreshFactAsync(connection, transaction, streamId, cancellationToken, answerChanges: answerChanges);
                break;
            case "source":
                var sourceId = await RefreshSourceAsync(connection, transaction, streamId, at, cancellationToken);
                // A source's events move its facts' answers, not their claims: the index and counts stand.
                await RefreshViewsAsync(connection, transaction, await FactsCitingAsync(connection, transaction, sourceId, cancellationToken), cancellationToken, answerChanges);
                break;
        }
    }

    private static async Task<List<StoredEventData>> ReadStreamAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, CancellationToken cancellationToken)
    {
        var events = new List<StoredEventData>();
        await using var command = new NpgsqlCommand(
            "SELECT type, data::text, version, timestamp FROM mt_events WHERE stream_id = $1 ORDER BY version", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new StoredEventData(DomainEvents.Deserialize(reader.GetString(0), reader.GetString(1)),
                reader.GetInt64(2), new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero)));
        }
        return events;
    }

    private sealed record StoredEventData(object Data, long Version, DateTimeOffset RecordedAt);

    /// <summary>A stream's type is the part of its id before the first '-' ("fact-x" is a "fact").</summary>
    internal static string StreamTypeOf(string streamId)
    {
        var dash = streamId.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 ? streamId[..dash] : streamId;
    }

    private static async Task<string> RefreshSourceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var events = await ReadStreamAsync(connection, transaction, streamId, cancellationToken);
        var state = Source.Fold(events.Select(e => e.Data));
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO source_views (source_id, title, publisher, author, url, published_on, kind, language, document, sha256, note,
                rated_reliability, rating_reason, rated_by, rating_count, version, registered_at, updated_at, claim_count, active_claim_count)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                (SELECT count(*) FROM claim_index WHERE source_id = $1),
                (SELECT count(*) FROM claim_index WHERE source_id = $1 AND status IN ('active', 'disputed')))
            ON CONFLICT (source_id) DO UPDATE SET title = excluded.title, publisher = excluded.publisher, author = excluded.author,
                url = excluded.url, published_on = excluded.published_on, kind = excluded.kind, language = excluded.language,
                document = excluded.document, sha256 = excluded.sha256, note = excluded.note,
                rated_reliability = excluded.rated_reliability, rating_reason = excluded.rating_reason, rated_by = excluded.rated_by,
                rating_count = excluded.rating_count, version = excluded.version, updated_at = excluded.updated_at
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = state.SourceId });
        command.Parameters.Add(new NpgsqlParameter { Value = state.Title });
        command.Parameters.Add(new NpgsqlParameter { Value = state.Publisher });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)state.Author ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)state.Url ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)state.PublishedOn?.ToString() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(state.Kind, DomainEvents.JsonOptions).Trim('"') });
        command.Parameters.Add(new NpgsqlParameter { Value = state.Language });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)state.Document ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)state.Sha256 ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)state.Note ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)state.Reliability ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)state.ReliabilityReason ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)state.RatedBy ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = state.RatingCount });
        command.Parameters.Add(new NpgsqlParameter { Value = events[^1].Version });
        command.Parameters.Add(new NpgsqlParameter { Value = events[0].RecordedAt.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = at.UtcDateTime });
        await command.ExecuteNonQueryAsync(cancellationToken);

        // A document is attached once and never replaced: its row is written when its event comes, and left alone after.
        if (events.FirstOrDefault(e => e.Data is SourceDocumentAttached) is { Data: SourceDocumentAttached attached } stored)
        {
            await using var document = new NpgsqlCommand(
                "INSERT INTO source_documents (source_id, sha256, length, text, attached_by, attached_at) VALUES ($1, $2, $3, $4, $5, $6) " +
                "ON CONFLICT (source_id) DO NOTHING", connection, transaction);
            foreach (var value in new object[] { state.SourceId, attached.Sha256, attached.Text.Length, attached.Text, attached.AttachedBy, stored.RecordedAt.UtcDateTime })
                document.Parameters.Add(new NpgsqlParameter { Value = value });
            await document.ExecuteNonQueryAsync(cancellationToken);
        }
        return state.SourceId;
    }

    private static async Task<List<string>> FactsCitingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sourceId, CancellationToken cancellationToken)
    {
        var facts = new List<string>();
        await using var command = new NpgsqlCommand("SELECT DISTINCT fact_id FROM claim_index WHERE source_id = $1 ORDER BY fact_id", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = sourceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) facts.Add(reader.GetString(0));
        return facts;
    }

    /// <summary>
    /// Folds a fact's stream and reconciles it with the current weights into its fact_views row (updated_at is
    /// the time of the fact's own latest event, so a rebuild reproduces it whatever triggered the refresh), and unless <paramref name="viewOnly"/>,
    /// rewrites its claim_index rows and its sources' counts. A source's events and moved learned weights re-reconcile
    /// with <paramref name="viewOnly"/> set (many facts at once: <see cref="RefreshViewsAsync"/>): the index and counts do not depend on them.
    /// </summary>
    internal static async Task RefreshFactAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId,
        CancellationToken cancellationToken, bool viewOnly = false, AnswerChangeOutbox? answerChanges = null)
    {
        // Weights moved, the events did not: the stored state stands, only the answers are reconciled again.
        if (viewOnly && await StoredAnswers.LoadAsync(connection, transaction, FactIdOf(streamId), cancellationToken) is { } stored)
        {
            var (weights, sources) = await Reliabilities.CurrentWithSourcesAsync(connection, transaction,
                stored.State.ClaimsInOrder.Select(c => c.SourceId), cancellationToken);
            await using var answers = new NpgsqlBatch(connection, transaction);
            AddAnswers(answers, stored, weights, sources, ClaimChanges.AnswersOnly);
            await ExecuteAsync(answerChanges, answers, [stored.State.Definition!.FactId], cancellationToken);
            return;
        }

        var events = await ReadStreamAsync(connection, transaction, streamId, cancellationToken);
        var state = Fact.Fold(events.Select(e => e.Data));
        if (state.Definition is not { } definition) return;
        var updatedAt = events[^1].RecordedAt;
        var claims = state.ClaimsInOrder.ToList();

        // Sources whose counts change: those cited now and those cited before this event.
        var previousSources = new List<string>();
        await using (var previous = new NpgsqlCommand("SELECT DISTINCT source_id FROM claim_index WHERE fact_id = $1", connection, transaction))
        {
            previous.Parameters.Add(new NpgsqlParameter { Value = definition.FactId });
            await using var reader = await previous.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) previousSources.Add(reader.GetString(0));
        }

        var cited = claims.Select(c => c.SourceId).Concat(previousSources).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (!viewOnly) await LockSourcesAsync(connection, transaction, cited, cancellationToken);

        var (reliabilities, sourceStates) = await Reliabilities.CurrentWithSourcesAsync(connection, transaction, claims.Select(c => c.SourceId), cancellationToken);
        var fact = new StoredFact(state, events[^1].Version, events[0].RecordedAt, updatedAt);

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            AddAnswers(batch, fact, reliabilities, sourceStates, ClaimChanges.All);
            if (viewOnly)
            {
                await ExecuteAsync(answerChanges, batch, [definition.FactId], cancellationToken);
                return;
            }

            var clear = new NpgsqlBatchCommand("DELETE FROM claim_index WHERE fact_id = $1");
            AddParameters(clear, definition.FactId);
            batch.BatchCommands.Add(clear);

            var recordedAt = ClaimRecordedAt(events);
            foreach (var claim in claims)
            {
                var insert = new NpgsqlBatchCommand(
                    "INSERT INTO claim_index (claim_id, fact_id, source_id, status, recorded_version, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)");
                var (version, time) = recordedAt[claim.ClaimId];
                AddParameters(insert, claim.ClaimId, definition.FactId, claim.SourceId, Wire.ClaimStatus(claim), version, time.UtcDateTime);
                batch.BatchCommands.Add(insert);
            }

            AddSourceCounts(batch, cited);
            await ExecuteAsync(answerChanges, batch, [definition.FactId], cancellationToken);
        }
    }

    /// <summary>
    /// Reconciles many facts' answers again with the current weights, as <see cref="RefreshFactAsync"/> does with
    /// <c>viewOnly</c> set, a few hundred facts per round trip instead of three round trips per fact. Each chunk's
    /// views are locked (in fact_id order) before their stored states are read, so a write committing meanwhile
    /// cannot be overwritten by an older state.
    /// </summary>
    internal static async Task RefreshViewsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<string> factIds,
        CancellationToken cancellationToken, AnswerChangeOutbox? answerChanges = null)
    {
        const int chunkSize = 500;
        for (var start = 0; start < factIds.Count; start += chunkSize)
        {
            var chunk = factIds.Skip(start).Take(chunkSize).ToArray();
            await using (var lockViews = new NpgsqlCommand(
                "SELECT 1 FROM fact_views WHERE fact_id = ANY($1) ORDER BY fact_id FOR UPDATE", connection, transaction))
            {
                lockViews.Parameters.Add(new NpgsqlParameter { Value = chunk });
                await lockViews.ExecuteNonQueryAsync(cancellationToken);
            }

            var stored = await StoredAnswers.LoadManyAsync(connection, transaction, chunk, cancellationToken);
            // A fact with no stored state (written by an older release) folds its stream, one at a time.
            foreach (var factId in chunk.Where(id => !stored.ContainsKey(id)))
                await RefreshFactAsync(connection, transaction, Fact.StreamId(factId), cancellationToken, viewOnly: true, answerChanges);
            if (stored.Count == 0) continue;

            // Reconciliation looks weights up by source, so one set for the whole chunk answers as one per fact would.
            var (weights, sources) = await Reliabilities.CurrentWithSourcesAsync(connection, transaction,
                stored.Values.SelectMany(f => f.State.ClaimsInOrder.Select(c => c.SourceId)), cancellationToken);
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var fact in stored.Values)
            {
                AddAnswers(batch, fact, weights, sources, ClaimChanges.AnswersOnly);
            }
            await ExecuteAsync(answerChanges, batch, stored.Keys, cancellationToken);
        }
    }

    /// <summary>
    /// Takes a fact's new events into its stored state, one version behind them, without reading its stream: the
    /// claim index changes only for the claims the events name, and only their sources' counts move. The rows come
    /// out as a full refresh would write them.
    /// </summary>
    private static async Task ApplyToStoredAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, StoredFact stored,
        IReadOnlyList<StoredEvent> events, AnswerChangeOutbox? answerChanges, CancellationToken cancellationToken)
    {
        var state = stored.State;
        foreach (var e in events) state = Fact.Evolve(state, e.Data);
        if (state.Definition is not { } definition) return;
        var fact = new StoredFact(state, events[^1].StreamVersion, stored.DefinedAt, events[^1].RecordedAt);

        var named = events.Select(e => ClaimIdOf(e.Data)).OfType<string>().Distinct(StringComparer.Ordinal).Where(state.Claims.ContainsKey).ToList();
        var cited = named.Select(id => state.Claims[id].SourceId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        await LockSourcesAsync(connection, transaction, cited, cancellationToken);
        var (reliabilities, sourceStates) = await Reliabilities.CurrentWithSourcesAsync(connection, transaction,
            state.ClaimsInOrder.Select(c => c.SourceId), cancellationToken);

        await using var batch = new NpgsqlBatch(connection, transaction);
        AddAnswers(batch, fact, reliabilities, sourceStates, new ClaimChanges(true, named));
        foreach (var id in named)
        {
            var claim = state.Claims[id];
            if (!stored.State.Claims.ContainsKey(id))
            {
                // A new claim: a plain insert, so an id another fact already uses is refused by the index's key.
                var recorded = events.First(e => e.Data is ClaimRecorded r && r.ClaimId == id);
                var insert = new NpgsqlBatchCommand(
                    "INSERT INTO claim_index (claim_id, fact_id, source_id, status, recorded_version, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)");
                AddParameters(insert, id, definition.FactId, claim.SourceId, Wire.ClaimStatus(claim), recorded.StreamVersion, recorded.RecordedAt.UtcDateTime);
                batch.BatchCommands.Add(insert);
            }
            else
            {
                var update = new NpgsqlBatchCommand("UPDATE claim_index SET source_id = $3, status = $4 WHERE claim_id = $1 AND fact_id = $2");
                AddParameters(update, id, definition.FactId, claim.SourceId, Wire.ClaimStatus(claim));
                batch.BatchCommands.Add(update);
            }
        }
        AddSourceCounts(batch, cited);
        await ExecuteAsync(answerChanges, batch, [definition.FactId], cancellationToken);
    }

    // Every rewrite of answers runs here, so that the answers it changes are announced in its transaction.
    private static Task ExecuteAsync(AnswerChangeOutbox? answerChanges, NpgsqlBatch batch, IReadOnlyCollection<string> factIds,
        CancellationToken cancellationToken) =>
        answerChanges is null ? batch.ExecuteNonQueryAsync(cancellationToken) : answerChanges.ExecuteAsync(batch, factIds, cancellationToken);

    private static string FactIdOf(string streamId) => streamId[Fact.StreamId("").Length..];

    private static string? ClaimIdOf(object e) => e switch
    {
        ClaimRecorded x => x.ClaimId,
        ClaimDisputed x => x.ClaimId,
        DisputeUpheld x => x.ClaimId,
        DisputeRejected x => x.ClaimId,
        ClaimEndorsed x => x.ClaimId,
        ClaimRetracted x => x.ClaimId,
        ClaimCorrected x => x.ClaimId,
        _ => null,
    };

    // Every writer locks the source rows it will count into, in one order, before the fact's own row:
    // two claims citing the same sources then queue instead of deadlocking.
    private static async Task LockSourcesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] sourceIds, CancellationToken cancellationToken)
    {
        await using var lockSources = new NpgsqlCommand(
            "SELECT 1 FROM source_views WHERE source_id = ANY($1) ORDER BY source_id FOR UPDATE", connection, transaction);
        lockSources.Parameters.Add(new NpgsqlParameter { Value = sourceIds });
        await lockSources.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddSourceCounts(NpgsqlBatch batch, string[] sourceIds)
    {
        var counts = new NpgsqlBatchCommand(
            "UPDATE source_views v SET claim_count = (SELECT count(*) FROM claim_index c WHERE c.source_id = v.source_id), " +
            "active_claim_count = (SELECT count(*) FROM claim_index c WHERE c.source_id = v.source_id AND c.status IN ('active', 'disputed')) " +
            "WHERE v.source_id = ANY($1)");
        // One array parameter: wrapped, or params would spread it into many.
        AddParameters(counts, [sourceIds]);
        batch.BatchCommands.Add(counts);
    }

    // A fact's answers, reconciled once for its fact_views row and its stored answers alike.
    private static void AddAnswers(NpgsqlBatch batch, StoredFact fact, SourceReliabilities reliabilities, IReadOnlyDictionary<string, SourceState> sources,
        ClaimChanges changes)
    {
        var stretches = StoredAnswers.StretchesOf(fact, reliabilities);
        AddFactView(batch, fact, reliabilities, stretches.All);
        StoredAnswers.AddWrites(batch, fact, stretches, sources, changes);
    }

    /// <summary>
    /// The fact's fact_views row. It answers for the day of the fact's latest event, not the wall clock, so a rebuild
    /// reproduces it; reads of one fact answer for today (from the stored answers). That day's stretch gives the
    /// answer reconciling afresh would; only a day before anything is known of the fact is reconciled here.
    /// </summary>
    private static void AddFactView(NpgsqlBatch batch, StoredFact fact, SourceReliabilities reliabilities, IReadOnlyList<AnswerStretch> stretches)
    {
        var state = fact.State;
        var definition = state.Definition!;
        var claims = state.ClaimsInOrder.ToList();
        var day = DateOnly.FromDateTime(fact.UpdatedAt.UtcDateTime);
        var result = stretches.FirstOrDefault(s => s.Covers(day))?.On(day) ?? Reconciler.Reconcile(state, reliabilities, validAt: null, today: day);
        var upsert = new NpgsqlBatchCommand(
            """
            INSERT INTO fact_views (fact_id, subject, property, qualifiers, value_type, unit, description, version, verdict,
                value_display, value_lower, value_upper, value_key, confidence, reference_date, claim_count, active_claim_count,
                open_dispute_count, explanation, defined_at, updated_at)
            VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
            ON CONFLICT (fact_id) DO UPDATE SET subject = excluded.subject, property = excluded.property,
                qualifiers = excluded.qualifiers, value_type = excluded.value_type, unit = excluded.unit,
                description = excluded.description, version = excluded.version, verdict = excluded.verdict,
                value_display = excluded.value_display, value_lower = excluded.value_lower, value_upper = excluded.value_upper,
                value_key = excluded.value_key, confidence = excluded.confidence, reference_date = excluded.reference_date,
                claim_count = excluded.claim_count, active_claim_count = excluded.active_claim_count,
                open_dispute_count = excluded.open_dispute_count, explanation = excluded.explanation, updated_at = excluded.updated_at
            """);
        var value = result.Value;
        AddParameters(upsert,
            definition.FactId, definition.Subject, definition.Property,
            JsonSerializer.Serialize(definition.Qualifiers, DomainEvents.JsonOptions),
            Wire.Name(definition.ValueType), definition.Unit, definition.Description, fact.Version,
            Wire.Name(result.Verdict), value?.Display, value?.Interval?.Lower, value?.Interval?.Upper, value?.Key,
            result.Confidence, result.ReferenceDate, claims.Count, claims.Count(c => c.IsActive),
            claims.Count(c => c.OpenDispute is not null), result.Explanation,
            fact.DefinedAt.UtcDateTime, fact.UpdatedAt.UtcDateTime);
        batch.BatchCommands.Add(upsert);
    }

    private static Dictionary<string, (long Version, DateTimeOffset At)> ClaimRecordedAt(List<StoredEventData> events)
    {
        var map = new Dictionary<string, (long, DateTimeOffset)>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e.Data is ClaimRecorded recorded) map.TryAdd(recorded.ClaimId, (e.Version, e.RecordedAt));
        }
        return map;
    }

    private static void AddParameters(NpgsqlBatchCommand command, params object?[] values)
    {
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
    }
}
