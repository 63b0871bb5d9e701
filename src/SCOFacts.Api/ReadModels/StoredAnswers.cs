using System.Collections.Immutable;
using System.Data;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using SCOFacts.Api.Application;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Sources;

namespace SCOFacts.Api.ReadModels;

/// <summary>A fact's folded state as stored at a stream version, with the times of its first and latest event.</summary>
public sealed record StoredFact(FactState State, long Version, DateTimeOffset DefinedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// The stored answers of the facts projection: per fact its folded state (what a write starts from), each claim once
/// (its state and its part of a response), and, per stretch of valid time, the answer a plain read serves, naming its
/// claims by id (fact_answers, fact_answer_claims, fact_answer_stretches).
/// </summary>
/// <remarks>
/// Within a stretch every byte of the answer is the same but for two parts that name the day asked: the "asOf" axes
/// and the explanation's opening sentence (see <see cref="DayDependence"/>). The response is stored in pieces around
/// them and around its three claim lists, and a read fills the day's parts in and joins the claims' stored responses,
/// so it serves exactly what reconciling afresh would. A write then rewrites only the claims it changed and the
/// stretches' small pieces, not every claim once per stretch, and starts from a state it need not parse again when
/// this process wrote it last (<see cref="FactStateCache"/>).
/// </remarks>
public static class StoredAnswers
{
    /// <summary>The content type JSON responses are written with.</summary>
    public const string ContentType = "application/json; charset=utf-8";

    private static readonly string AsOfToken = "\"asOf\":" + JsonSerializer.Serialize(new TimeAxes(null, null, null, null), ResponseJson.Options);
    private const string ExplanationMarker = "stored-answer-explanation-7c1e5a0b";
    private static readonly string ExplanationToken = "\"explanation\":" + JsonSerializer.Serialize(ExplanationMarker, ResponseJson.Options);
    // The fact's version and claim count change with every write while most stretches' answers do not: the pieces hold
    // these two tokens instead, and a read fills in the numbers stored with the fact (fact_answers, fact_views).
    private const long VersionMarker = long.MinValue;
    private const int ClaimCountMarker = int.MinValue;
    private static readonly string VersionToken = "\"version\":" + VersionMarker.ToString(CultureInfo.InvariantCulture);
    private static readonly string ClaimCountToken = "\"claimCount\":" + ClaimCountMarker.ToString(CultureInfo.InvariantCulture);
    // The three claim lists follow the explanation; a stretch stores their ids and a read joins the claims in between.
    private const string ListsToken = ",\"supporting\":[],\"conflicting\":[],\"excluded\":[]";
    private const string SupportingOpen = ",\"supporting\":[";
    private const string ConflictingOpen = "],\"conflicting\":[";
    private const string ExcludedOpen = "],\"excluded\":[";
    private const string ListClose = "]";

    private sealed record Stretch(DateOnly? From, DateOnly? To, DayDependence Day, string Head, string Middle, string Tail,
        string[] Supporting, string[] Conflicting, string[] Excluded)
    {
        public bool SameAnswerAs(Stretch other) => Day == other.Day && Head == other.Head && Middle == other.Middle && Tail == other.Tail
            && Supporting.SequenceEqual(other.Supporting) && Conflicting.SequenceEqual(other.Conflicting) && Excluded.SequenceEqual(other.Excluded);
    }

    // A fact's state but its claims: they are stored one row each, with their place in the order they were recorded.
    private sealed record StateHead(FactDefinition? Definition, IReadOnlyList<string> DisputeIds);

    // Reads a fact's stored row; its state and claims only when the cache does not already hold that state.
    private const string LoadColumns =
        "a.version, a.defined_at, a.updated_at, a.state_key, " +
        "CASE WHEN a.state_key = {0} THEN NULL ELSE a.state END, " +
        "CASE WHEN a.state_key = {0} THEN NULL ELSE " +
        "(SELECT array_agg(c.state ORDER BY c.position) FROM fact_answer_claims c WHERE c.fact_id = a.fact_id) END";

    /// <summary>A fact's stored state, or null when none is stored.</summary>
    internal static async Task<StoredFact?> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string factId,
        CancellationToken cancellationToken)
    {
        var cached = FactStateCache.Get(factId);
        await using var command = new NpgsqlCommand(
            $"SELECT {string.Format(CultureInfo.InvariantCulture, LoadColumns, "$2")} FROM fact_answers a WHERE a.fact_id = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = factId });
        command.Parameters.Add(KeyParameter(cached));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader, 0, factId, cached) : null;
    }

    /// <summary>
    /// The fact's stored state when it is the state as known at <paramref name="knownAt"/>: when no event of its stream
    /// is later than that moment (any stored state, when null), so that the events up to it are all of them. Null
    /// otherwise, or when none is stored.
    /// </summary>
    internal static async Task<StoredFact?> LoadAsKnownAtAsync(NpgsqlConnection connection, string factId, DateTimeOffset? knownAt,
        CancellationToken cancellationToken)
    {
        var cached = FactStateCache.Get(factId);
        // One statement, so the stored row and the stream's events are seen in the same snapshot.
        await using var command = new NpgsqlCommand(
            $"SELECT {string.Format(CultureInfo.InvariantCulture, LoadColumns, "$2")} FROM fact_answers a WHERE a.fact_id = $1 " +
            "AND ($3::timestamptz IS NULL OR NOT EXISTS (SELECT 1 FROM mt_events e WHERE e.stream_id = $4 AND e.timestamp > $3))", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = factId });
        command.Parameters.Add(KeyParameter(cached));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)knownAt?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = Fact.StreamId(factId) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader, 0, factId, cached) : null;
    }

    /// <summary>The stored states of many facts, by fact id; a fact with none stored is missing.</summary>
    internal static async Task<Dictionary<string, StoredFact>> LoadManyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        IReadOnlyCollection<string> factIds, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, StoredFact>(factIds.Count, StringComparer.Ordinal);
        var ids = factIds.ToArray();
        var cached = ids.Select(FactStateCache.Get).ToArray();
        await using var command = new NpgsqlCommand(
            $"SELECT k.n, {string.Format(CultureInfo.InvariantCulture, LoadColumns, "k.key")} FROM fact_answers a " +
            "JOIN unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS k(fact_id, key, n) ON k.fact_id = a.fact_id", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = cached.Select(c => c is { } entry ? (object)entry.Key : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid,
        });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var i = (int)reader.GetInt64(0) - 1;
            stored[ids[i]] = Read(reader, 1, ids[i], cached[i]);
        }
        return stored;
    }

    /// <summary>
    /// What a write starts from, in one round trip: the fact's stored state (null when none is stored) and whether the
    /// fact's stream already took <paramref name="idempotencyKey"/>.
    /// </summary>
    public static async Task<(StoredFact? Fact, bool KeyUsed)> LoadForWriteAsync(NpgsqlDataSource dataSource, string factId, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(LoadForWriteSql);
        return await LoadForWriteAsync(command, factId, idempotencyKey, cancellationToken);
    }

    /// <summary>
    /// <see cref="LoadForWriteAsync(NpgsqlDataSource, string, string?, CancellationToken)"/> in the transaction open on
    /// <paramref name="connection"/>, for a write that holds the fact's stream lock and appends in that same transaction.
    /// </summary>
    public static async Task<(StoredFact? Fact, bool KeyUsed)> LoadForWriteAsync(NpgsqlConnection connection, string factId, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(LoadForWriteSql, connection);
        return await LoadForWriteAsync(command, factId, idempotencyKey, cancellationToken);
    }

    private static readonly string LoadForWriteSql =
        "SELECT $3::text IS NOT NULL AND EXISTS (SELECT 1 FROM stream_idempotency WHERE stream_id = $2 AND idempotency_key = $3), " +
        $"{string.Format(CultureInfo.InvariantCulture, LoadColumns, "$4")} FROM (SELECT 1) one LEFT JOIN fact_answers a ON a.fact_id = $1";

    private static async Task<(StoredFact? Fact, bool KeyUsed)> LoadForWriteAsync(NpgsqlCommand command, string factId, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        var cached = FactStateCache.Get(factId);
        command.Parameters.Add(new NpgsqlParameter { Value = factId });
        command.Parameters.Add(new NpgsqlParameter { Value = Fact.StreamId(factId) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)idempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(KeyParameter(cached));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.IsDBNull(1) ? null : Read(reader, 1, factId, cached), reader.GetBoolean(0));
    }

    private static NpgsqlParameter KeyParameter(FactStateCache.Entry? cached) =>
        new() { Value = cached is { } entry ? entry.Key : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid };

    private static StoredFact Read(NpgsqlDataReader reader, int first, string factId, FactStateCache.Entry? cached)
    {
        var version = reader.GetInt64(first);
        var definedAt = new DateTimeOffset(reader.GetFieldValue<DateTime>(first + 1), TimeSpan.Zero);
        var updatedAt = new DateTimeOffset(reader.GetFieldValue<DateTime>(first + 2), TimeSpan.Zero);
        FactState state;
        if (reader.IsDBNull(first + 4))
        {
            // The row holds the key this process stored with the state it wrote: that state, already parsed.
            state = cached!.State;
        }
        else
        {
            var claims = reader.IsDBNull(first + 5) ? [] : reader.GetFieldValue<string[]>(first + 5);
            state = ParseState(reader.GetString(first + 4), claims);
            FactStateCache.Put(factId, reader.GetGuid(first + 3), state);
        }
        return new StoredFact(state, version, definedAt, updatedAt);
    }

    /// <summary>A state stored as its head and its claims' rows in the order they were recorded.</summary>
    internal static FactState ParseState(string head, IReadOnlyList<string> claims)
    {
        var stored = JsonSerializer.Deserialize<StateHead>(head, DomainEvents.JsonOptions) ?? throw new JsonException("A stored fact state was null.");
        var parsed = claims.Select(c => JsonSerializer.Deserialize<ClaimState>(c, DomainEvents.JsonOptions)
            ?? throw new JsonException("A stored claim was null.")).ToList();
        return new FactState(stored.Definition,
            parsed.ToImmutableDictionary(c => c.ClaimId, StringComparer.Ordinal),
            [.. parsed.Select(c => c.ClaimId)],
            stored.DisputeIds.ToImmutableHashSet(StringComparer.Ordinal));
    }

    private static string HeadText(FactState state) => JsonSerializer.Serialize(
        new StateHead(state.Definition, state.DisputeIds.Order(StringComparer.Ordinal).ToList()), DomainEvents.JsonOptions);

    /// <summary>
    /// The fact's answers per stretch of valid time, reconciled with <paramref name="reliabilities"/>. Stretches whose
    /// claims and sources stand as they did when this process last worked them out keep their answers (see
    /// <see cref="Reconciler.Stretches(FactState, ISourceReliabilities, AnswerStretches?)"/>): a write on a fact with many
    /// claims reconciles the few stretches it touches, not all of them.
    /// </summary>
    internal static AnswerStretches StretchesOf(StoredFact fact, SourceReliabilities reliabilities)
    {
        if (fact.State.Definition is not { } definition) return AnswerStretches.None;
        var stretches = Reconciler.Stretches(fact.State, reliabilities, FactStateCache.GetStretches(definition.FactId));
        FactStateCache.PutStretches(definition.FactId, stretches);
        return stretches;
    }

    /// <summary>
    /// Adds to <paramref name="batch"/> the statements that store the fact's state and its answers
    /// (<paramref name="stretches"/>, from <see cref="StretchesOf"/>), touching the claim rows <paramref name="changes"/> names.
    /// </summary>
    internal static void AddWrites(NpgsqlBatch batch, StoredFact fact, AnswerStretches stretches, IReadOnlyDictionary<string, SourceState> sources,
        ClaimChanges changes)
    {
        var state = fact.State;
        var factId = state.Definition!.FactId;
        if (changes.StateChanged)
        {
            var key = Guid.NewGuid();
            Add(batch,
                "INSERT INTO fact_answers (fact_id, version, state, defined_at, updated_at, state_key) VALUES ($1, $2, $3, $4, $5, $6) " +
                "ON CONFLICT (fact_id) DO UPDATE SET version = excluded.version, state = excluded.state, defined_at = excluded.defined_at, " +
                "updated_at = excluded.updated_at, state_key = excluded.state_key",
                factId, fact.Version, HeadText(state), fact.DefinedAt.UtcDateTime, fact.UpdatedAt.UtcDateTime, key);
            // Kept before the commit: should the transaction roll back, its key is never stored and the entry never matches.
            FactStateCache.Put(factId, key, state);
        }

        var rows = changes.Claims is null
            ? state.ClaimOrder.Select((id, i) => (Id: id, Position: i, Claim: state.Claims[id])).ToList()
            : changes.Claims.Select(id => (Id: id, Position: state.ClaimOrder.IndexOf(id, StringComparer.Ordinal), Claim: state.Claims[id])).ToList();
        if (changes.Claims is null && !changes.StateChanged)
        {
            // Weights or sources moved: the claims' states stand; a response changes only if its source's title or publisher did.
            Add(batch,
                "UPDATE fact_answer_claims c SET response = u.response FROM unnest($2::text[], $3::text[]) AS u(claim_id, response) " +
                "WHERE c.fact_id = $1 AND c.claim_id = u.claim_id AND c.response IS DISTINCT FROM u.response",
                factId, rows.Select(r => r.Id).ToArray(), rows.Select(r => ClaimJson(factId, r.Claim, sources)).ToArray());
        }
        else
        {
            if (changes.Claims is null) Add(batch, "DELETE FROM fact_answer_claims WHERE fact_id = $1", factId);
            Add(batch,
                "INSERT INTO fact_answer_claims (fact_id, claim_id, position, state, response) " +
                "SELECT $1, u.claim_id, u.position, u.state, u.response FROM unnest($2::text[], $3::int[], $4::text[], $5::text[]) " +
                "AS u(claim_id, position, state, response) " +
                "ON CONFLICT (fact_id, claim_id) DO UPDATE SET position = excluded.position, state = excluded.state, response = excluded.response",
                factId, rows.Select(r => r.Id).ToArray(), rows.Select(r => r.Position).ToArray(),
                rows.Select(r => JsonSerializer.Serialize(r.Claim, DomainEvents.JsonOptions)).ToArray(),
                rows.Select(r => ClaimJson(factId, r.Claim, sources)).ToArray());
        }

        // The stretches in one statement: the rows no stretch has any more are deleted, and the stretches no row holds
        // yet are inserted. A stretch whose answer stands is left alone, so a write on a fact with many stretches
        // rewrites the one or two it moved, not all of them (nor leaves all of them behind as dead rows).
        var answers = Stretches(fact, stretches, sources);
        var write = new NpgsqlBatchCommand(WriteStretchesSql);
        write.Parameters.Add(new NpgsqlParameter { Value = factId });
        AddColumn(write, answers, s => s.From, NpgsqlDbType.Date);
        AddColumn(write, answers, s => s.To, NpgsqlDbType.Date);
        AddColumn(write, answers, s => s.Day.Timeless, NpgsqlDbType.Boolean);
        AddColumn(write, answers, s => s.Day.ReferenceCarriedFrom, NpgsqlDbType.Date);
        AddColumn(write, answers, s => s.Day.CarriedForwardFrom, NpgsqlDbType.Date);
        AddColumn(write, answers, s => s.Day.Missing, NpgsqlDbType.Text);
        AddColumn(write, answers, s => s.Day.Rest, NpgsqlDbType.Text);
        AddColumn(write, answers, s => s.Head, NpgsqlDbType.Text);
        AddColumn(write, answers, s => s.Middle, NpgsqlDbType.Text);
        AddColumn(write, answers, s => s.Tail, NpgsqlDbType.Text);
        AddColumn(write, answers, s => JsonSerializer.Serialize(s.Supporting), NpgsqlDbType.Jsonb);
        AddColumn(write, answers, s => JsonSerializer.Serialize(s.Conflicting), NpgsqlDbType.Jsonb);
        AddColumn(write, answers, s => JsonSerializer.Serialize(s.Excluded), NpgsqlDbType.Jsonb);
        batch.BatchCommands.Add(write);
    }

    // The new stretches (n): their columns side by side, each claim id list travelling as a JSON array (the lists are
    // of different lengths, which a two-dimensional array cannot hold) and stored as a text array in its order. The
    // delete and the insert both see the rows as they were before the statement; a row the delete takes equals no new
    // stretch, so the insert's check is the same with or without it.
    private const string WriteStretchesSql =
        "WITH n AS (SELECT u.valid_from, u.valid_to, u.timeless, u.reference_carried_from, u.carried_forward_from, u.missing, " +
        "u.explanation_rest, u.response_head, u.response_middle, u.response_tail, " +
        "ARRAY(SELECT x.id FROM jsonb_array_elements_text(u.supporting) WITH ORDINALITY AS x(id, i) ORDER BY x.i) AS supporting_ids, " +
        "ARRAY(SELECT x.id FROM jsonb_array_elements_text(u.conflicting) WITH ORDINALITY AS x(id, i) ORDER BY x.i) AS conflicting_ids, " +
        "ARRAY(SELECT x.id FROM jsonb_array_elements_text(u.excluded) WITH ORDINALITY AS x(id, i) ORDER BY x.i) AS excluded_ids " +
        "FROM unnest($2::date[], $3::date[], $4::boolean[], $5::date[], $6::date[], $7::text[], $8::text[], $9::text[], $10::text[], " +
        "$11::text[], $12::jsonb[], $13::jsonb[], $14::jsonb[]) AS u(valid_from, valid_to, timeless, reference_carried_from, " +
        "carried_forward_from, missing, explanation_rest, response_head, response_middle, response_tail, supporting, conflicting, excluded)), " +
        "gone AS (DELETE FROM fact_answer_stretches s WHERE s.fact_id = $1 AND NOT EXISTS (SELECT 1 FROM n WHERE " + SameStretch + ")) " +
        "INSERT INTO fact_answer_stretches (fact_id, valid_from, valid_to, timeless, reference_carried_from, carried_forward_from, missing, " +
        "explanation_rest, response_head, response_middle, response_tail, supporting_ids, conflicting_ids, excluded_ids) " +
        "SELECT $1, n.valid_from, n.valid_to, n.timeless, n.reference_carried_from, n.carried_forward_from, n.missing, n.explanation_rest, " +
        "n.response_head, n.response_middle, n.response_tail, n.supporting_ids, n.conflicting_ids, n.excluded_ids " +
        "FROM n WHERE NOT EXISTS (SELECT 1 FROM fact_answer_stretches s WHERE s.fact_id = $1 AND " + SameStretch + ")";

    // Every column of a stored stretch (s), compared as a whole with one of the new stretches (n).
    private const string SameStretch =
        "(s.valid_from, s.valid_to, s.timeless, s.reference_carried_from, s.carried_forward_from, s.missing, s.explanation_rest, " +
        "s.response_head, s.response_middle, s.response_tail, s.supporting_ids, s.conflicting_ids, s.excluded_ids) IS NOT DISTINCT FROM " +
        "(n.valid_from, n.valid_to, n.timeless, n.reference_carried_from, n.carried_forward_from, n.missing, n.explanation_rest, " +
        "n.response_head, n.response_middle, n.response_tail, n.supporting_ids, n.conflicting_ids, n.excluded_ids)";

    private static void AddColumn<T>(NpgsqlBatchCommand command, List<Stretch> rows, Func<Stretch, T> column, NpgsqlDbType type) =>
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(column).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | type });

    // A claim as a response lists it: the same bytes it has inside a fact's response.
    private static string ClaimJson(string factId, ClaimState claim, IReadOnlyDictionary<string, SourceState> sources) =>
        JsonSerializer.Serialize(ClaimResponse.From(factId, claim, sources), ResponseJson.Options);

    // Each stretch's response, as the endpoint would write it but with its claim lists empty, cut around its
    // day-dependent parts and its lists; neighbours whose pieces and claim ids are all equal become one stretch.
    private static List<Stretch> Stretches(StoredFact fact, AnswerStretches answers, IReadOnlyDictionary<string, SourceState> sources)
    {
        var stretches = new List<Stretch>();
        string[] Present(IEnumerable<string> ids) => ids.Where(fact.State.Claims.ContainsKey).ToArray();
        foreach (var stretch in answers.All)
        {
            // The claim lists are stored as ids and joined by a read, so none is built here.
            var listless = stretch.Result with { SupportingClaimIds = [], ConflictingClaimIds = [], ExcludedClaimIds = [] };
            var response = FactResponse.From(new FactSnapshot(fact.State, fact.Version, listless, sources, null, null))
                with { AsOf = new TimeAxes(null, null, null, null), Explanation = ExplanationMarker, Version = VersionMarker, ClaimCount = ClaimCountMarker };
            var json = JsonSerializer.Serialize(response, ResponseJson.Options);
            var asOf = json.IndexOf(AsOfToken, StringComparison.Ordinal);
            var explanation = json.IndexOf(ExplanationToken, asOf, StringComparison.Ordinal);
            var lists = explanation + ExplanationToken.Length;
            if (asOf < 0 || explanation < 0 || string.CompareOrdinal(json, lists, ListsToken, 0, ListsToken.Length) != 0)
                throw new InvalidOperationException("A fact's response no longer has the shape its stored pieces assume.");
            var next = new Stretch(stretch.From, stretch.To, stretch.Day,
                json[..asOf] + "\"asOf\":",
                json[(asOf + AsOfToken.Length)..explanation] + "\"explanation\":",
                json[(lists + ListsToken.Length)..],
                Present(stretch.Result.SupportingClaimIds), Present(stretch.Result.ConflictingClaimIds), Present(stretch.Result.ExcludedClaimIds));
            if (stretches.Count > 0 && stretches[^1] is var last && last.To == next.From && last.SameAnswerAs(next))
                stretches[^1] = last with { To = next.To };
            else
                stretches.Add(next);
        }
        return stretches;
    }

    /// <summary>
    /// The stored response to a read of the fact on <paramref name="day"/> (asked for <paramref name="validAt"/>, or
    /// without a date), and the version it is at; null when no answer is stored for that day (no such fact, or a day
    /// before anything is known of it). One prepared statement: the day's stretch by the index, then its claims by their keys.
    /// </summary>
    public static async Task<(long Version, byte[] Body)?> ReadAsync(NpgsqlDataSource dataSource, string factId, DateOnly day, DateOnly? validAt,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = ReadCommand(new NpgsqlCommand(ReadSql, connection), factId, day);
        // Planning the statement cost as much as running it. A pooled connection keeps it prepared from one read to the
        // next (connections are not reset on return), so this asks the server only the first time on each connection.
        // It names the live tables: a rebuild's temporary tables live only inside the rebuild's own transaction.
        await command.PrepareAsync(cancellationToken);
        return await ReadAnswerAsync(command, day, validAt, cancellationToken);
    }

    /// <summary>
    /// <see cref="ReadAsync(NpgsqlDataSource, string, DateOnly, DateOnly?, CancellationToken)"/> through the multiplexed
    /// <paramref name="reads"/>, where the statement is prepared on each connection by its first few uses. A read that
    /// met a connection the server had dropped (after a restart of the server, the pool may still hold one) is read once
    /// more on another: the read changes nothing, and the caller should not hear about a connection it never chose.
    /// </summary>
    public static async Task<(long Version, byte[] Body)?> ReadAsync(ReadDataSource reads, string factId, DateOnly day, DateOnly? validAt,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reads);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var command = ReadCommand(reads.DataSource.CreateCommand(ReadSql), factId, day);
                return await ReadAnswerAsync(command, day, validAt, cancellationToken);
            }
            catch (NpgsqlException e) when (attempt == 1 && IsDroppedConnection(e) && !cancellationToken.IsCancellationRequested)
            {
                reads.Clear();
            }
        }
    }

    // The connection broke under the statement (the server or its process went away), as opposed to the statement
    // failing on a live one: only then can another connection answer differently.
    private static bool IsDroppedConnection(NpgsqlException e) =>
        e is PostgresException { SqlState: "57P01" or "57P02" } || (e is not PostgresException && e.InnerException is IOException or System.Net.Sockets.SocketException);

    private static NpgsqlCommand ReadCommand(NpgsqlCommand command, string factId, DateOnly day)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = factId });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = day });
        return command;
    }

    private static async Task<(long Version, byte[] Body)?> ReadAnswerAsync(NpgsqlCommand command, DateOnly day, DateOnly? validAt,
        CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        DateOnly? Date(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateOnly>(i);
        string Text(int i) => reader.IsDBNull(i) ? "" : reader.GetString(i);
        var dependence = new DayDependence(reader.GetBoolean(1), Date(2), Date(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5));
        var asOf = JsonSerializer.Serialize(new TimeAxes(validAt, null, dependence.ReferenceDate(day), dependence.CarriedForwardFrom), ResponseJson.Options);
        var explanation = JsonSerializer.Serialize(dependence.Explanation(day, validAt), ResponseJson.Options);
        // The fact's version and claim count, where the pieces name them by token (rows written before they did hold
        // the numbers themselves, which were current: every write rewrote every stretch then).
        var version = reader.GetInt64(0);
        var head = reader.GetString(6).Replace(VersionToken, "\"version\":" + version.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var tail = reader.GetString(8);
        if (tail.Contains(ClaimCountToken, StringComparison.Ordinal))
            tail = tail.Replace(ClaimCountToken, "\"claimCount\":" + reader.GetInt32(12).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        string[] parts =
        [
            head, asOf, reader.GetString(7), explanation, SupportingOpen, Text(9), ConflictingOpen, Text(10), ExcludedOpen, Text(11),
            ListClose, tail,
        ];
        // The parts encoded straight into the body, with no joined copy of the text in between.
        var length = 0;
        foreach (var part in parts) length += Encoding.UTF8.GetByteCount(part);
        var body = new byte[length];
        var at = 0;
        foreach (var part in parts) at += Encoding.UTF8.GetBytes(part, body.AsSpan(at));
        return (version, body);
    }

    // The day's stretch, then the claims its three lists name, in their order, each list joined as a JSON list's items:
    // one pass over the fact's claim rows by their key for the three lists together; and the fact's claim count, which
    // its view row keeps (written with the stored answers, in the same transaction).
    private const string ReadSql =
        "SELECT a.version, s.timeless, s.reference_carried_from, s.carried_forward_from, s.missing, s.explanation_rest, " +
        "s.response_head, s.response_middle, s.response_tail, l.supporting, l.conflicting, l.excluded, " +
        "(SELECT v.claim_count FROM fact_views v WHERE v.fact_id = a.fact_id) " +
        "FROM fact_answers a " +
        "CROSS JOIN LATERAL (SELECT * FROM fact_answer_stretches s WHERE s.fact_id = a.fact_id " +
        "AND (s.valid_from IS NULL OR s.valid_from <= $2) AND (s.valid_to IS NULL OR $2 < s.valid_to) " +
        "ORDER BY s.valid_from DESC NULLS LAST LIMIT 1) s " +
        "CROSS JOIN LATERAL (SELECT " +
        "string_agg(c.response, ',' ORDER BY u.n) FILTER (WHERE u.n <= cardinality(s.supporting_ids)) AS supporting, " +
        "string_agg(c.response, ',' ORDER BY u.n) FILTER (WHERE u.n > cardinality(s.supporting_ids) " +
        "AND u.n <= cardinality(s.supporting_ids) + cardinality(s.conflicting_ids)) AS conflicting, " +
        "string_agg(c.response, ',' ORDER BY u.n) FILTER (WHERE u.n > cardinality(s.supporting_ids) + cardinality(s.conflicting_ids)) AS excluded " +
        "FROM unnest(s.supporting_ids || s.conflicting_ids || s.excluded_ids) WITH ORDINALITY AS u(claim_id, n) " +
        "JOIN fact_answer_claims c ON c.fact_id = a.fact_id AND c.claim_id = u.claim_id) l " +
        "WHERE a.fact_id = $1";

    private static void Add(NpgsqlBatch batch, string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        batch.BatchCommands.Add(command);
    }
}

/// <summary>Which of a fact's stored claim rows a write must touch.</summary>
/// <param name="StateChanged">The fact's state moved on (events were taken in): its head is written with a new key.</param>
/// <param name="Claims">The claims whose state changed; null for every claim.</param>
internal sealed record ClaimChanges(bool StateChanged, IReadOnlyList<string>? Claims)
{
    /// <summary>A fact folded afresh: every claim row is written anew.</summary>
    public static ClaimChanges All { get; } = new(true, null);

    /// <summary>Only weights or sources moved: the state stands, claim responses may change.</summary>
    public static ClaimChanges AnswersOnly { get; } = new(false, null);
}
