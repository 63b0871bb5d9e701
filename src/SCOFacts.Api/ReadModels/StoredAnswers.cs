using System.Text;
using System.Text.Json;
using Npgsql;
using SCOFacts.Api.Application;
using SCOFacts.Api.Http;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Sources;

namespace SCOFacts.Api.ReadModels;

/// <summary>A fact's folded state as stored at a stream version, with the times of its first and latest event.</summary>
public sealed record StoredFact(FactState State, long Version, DateTimeOffset DefinedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// The stored answers of the facts projection: per fact its folded state (what a write starts from) and, per stretch
/// of valid time, the response a plain read serves (fact_answers and fact_answer_stretches).
/// </summary>
/// <remarks>
/// Within a stretch every byte of the answer is the same but for two parts that name the day asked: the "asOf" axes
/// and the explanation's opening sentence (see <see cref="DayDependence"/>). The response is stored in three pieces
/// around them, and a read fills them in for its day, so it serves exactly what reconciling afresh would.
/// </remarks>
public static class StoredAnswers
{
    /// <summary>The content type JSON responses are written with.</summary>
    public const string ContentType = "application/json; charset=utf-8";

    private static readonly string AsOfToken = "\"asOf\":" + JsonSerializer.Serialize(new TimeAxes(null, null, null, null), ResponseJson.Options);
    private const string ExplanationMarker = "stored-answer-explanation-7c1e5a0b";
    private static readonly string ExplanationToken = "\"explanation\":" + JsonSerializer.Serialize(ExplanationMarker, ResponseJson.Options);

    private sealed record Stretch(DateOnly? From, DateOnly? To, DayDependence Day, string Head, string Middle, string Tail);

    /// <summary>A fact's stored state, or null when none is stored.</summary>
    internal static async Task<StoredFact?> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string factId,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version, state, defined_at, updated_at FROM fact_answers WHERE fact_id = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = factId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader, 0) : null;
    }

    /// <summary>The stored states of many facts, by fact id; a fact with none stored is missing.</summary>
    internal static async Task<Dictionary<string, StoredFact>> LoadManyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        IReadOnlyCollection<string> factIds, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, StoredFact>(factIds.Count, StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(
            "SELECT fact_id, version, state, defined_at, updated_at FROM fact_answers WHERE fact_id = ANY($1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = factIds.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) stored[reader.GetString(0)] = Read(reader, 1);
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
    /// <see cref="LoadForWriteAsync(NpgsqlDataSource, string, string?, CancellationToken)"/> in the caller's transaction,
    /// for a write that holds the fact's stream lock and appends in that same transaction.
    /// </summary>
    public static async Task<(StoredFact? Fact, bool KeyUsed)> LoadForWriteAsync(NpgsqlTransaction transaction, string factId, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var command = new NpgsqlCommand(LoadForWriteSql, transaction.Connection, transaction);
        return await LoadForWriteAsync(command, factId, idempotencyKey, cancellationToken);
    }

    private const string LoadForWriteSql =
        "SELECT $3::text IS NOT NULL AND EXISTS (SELECT 1 FROM stream_idempotency WHERE stream_id = $2 AND idempotency_key = $3), " +
        "a.version, a.state, a.defined_at, a.updated_at FROM (SELECT 1) one LEFT JOIN fact_answers a ON a.fact_id = $1";

    private static async Task<(StoredFact? Fact, bool KeyUsed)> LoadForWriteAsync(NpgsqlCommand command, string factId, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = factId });
        command.Parameters.Add(new NpgsqlParameter { Value = Fact.StreamId(factId) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)idempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.IsDBNull(1) ? null : Read(reader, 1), reader.GetBoolean(0));
    }

    private static StoredFact Read(NpgsqlDataReader reader, int first) => new(
        FactStateJson.Deserialize(reader.GetString(first + 1)), reader.GetInt64(first),
        new DateTimeOffset(reader.GetFieldValue<DateTime>(first + 2), TimeSpan.Zero), new DateTimeOffset(reader.GetFieldValue<DateTime>(first + 3), TimeSpan.Zero));

    /// <summary>
    /// Adds to <paramref name="batch"/> the statements that store the fact's state (unless <paramref name="stateChanged"/>
    /// is false) and replace its answers, reconciled with <paramref name="reliabilities"/>.
    /// </summary>
    internal static void AddWrites(NpgsqlBatch batch, StoredFact fact, SourceReliabilities reliabilities, IReadOnlyDictionary<string, SourceState> sources,
        bool stateChanged)
    {
        var factId = fact.State.Definition!.FactId;
        if (stateChanged)
        {
            Add(batch,
                "INSERT INTO fact_answers (fact_id, version, state, defined_at, updated_at) VALUES ($1, $2, $3, $4, $5) " +
                "ON CONFLICT (fact_id) DO UPDATE SET version = excluded.version, state = excluded.state, defined_at = excluded.defined_at, " +
                "updated_at = excluded.updated_at",
                factId, fact.Version, FactStateJson.Serialize(fact.State), fact.DefinedAt.UtcDateTime, fact.UpdatedAt.UtcDateTime);
        }

        Add(batch, "DELETE FROM fact_answer_stretches WHERE fact_id = $1", factId);
        foreach (var s in Stretches(fact, reliabilities, sources))
        {
            Add(batch,
                "INSERT INTO fact_answer_stretches (fact_id, valid_from, valid_to, timeless, reference_carried_from, carried_forward_from, missing, " +
                "explanation_rest, response_head, response_middle, response_tail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                factId, s.From, s.To, s.Day.Timeless, s.Day.ReferenceCarriedFrom, s.Day.CarriedForwardFrom, s.Day.Missing, s.Day.Rest,
                s.Head, s.Middle, s.Tail);
        }
    }

    // Each stretch's response, as the endpoint would write it, cut around its day-dependent parts; neighbours whose
    // pieces are all equal become one stretch.
    private static List<Stretch> Stretches(StoredFact fact, SourceReliabilities reliabilities, IReadOnlyDictionary<string, SourceState> sources)
    {
        var stretches = new List<Stretch>();
        foreach (var stretch in Reconciler.Stretches(fact.State, reliabilities))
        {
            var response = FactResponse.From(new FactSnapshot(fact.State, fact.Version, stretch.Result, sources, null, null))
                with { AsOf = new TimeAxes(null, null, null, null), Explanation = ExplanationMarker };
            var json = JsonSerializer.Serialize(response, ResponseJson.Options);
            var asOf = json.IndexOf(AsOfToken, StringComparison.Ordinal);
            var explanation = json.IndexOf(ExplanationToken, asOf, StringComparison.Ordinal);
            var next = new Stretch(stretch.From, stretch.To, stretch.Day,
                json[..asOf] + "\"asOf\":",
                json[(asOf + AsOfToken.Length)..explanation] + "\"explanation\":",
                json[(explanation + ExplanationToken.Length)..]);
            if (stretches.Count > 0 && stretches[^1] is var last && last.To == next.From && last.Day == next.Day
                && last.Head == next.Head && last.Middle == next.Middle && last.Tail == next.Tail)
                stretches[^1] = last with { To = next.To };
            else
                stretches.Add(next);
        }
        return stretches;
    }

    /// <summary>
    /// The stored response to a read of the fact on <paramref name="day"/> (asked for <paramref name="validAt"/>, or
    /// without a date), and the version it is at; null when no answer is stored for that day (no such fact, or a day
    /// before anything is known of it).
    /// </summary>
    public static async Task<(long Version, byte[] Body)?> ReadAsync(NpgsqlDataSource dataSource, string factId, DateOnly day, DateOnly? validAt,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "SELECT a.version, s.timeless, s.reference_carried_from, s.carried_forward_from, s.missing, s.explanation_rest, " +
            "s.response_head, s.response_middle, s.response_tail FROM fact_answers a " +
            "JOIN fact_answer_stretches s ON s.fact_id = a.fact_id " +
            "WHERE a.fact_id = $1 AND (s.valid_from IS NULL OR s.valid_from <= $2) AND (s.valid_to IS NULL OR $2 < s.valid_to) " +
            "ORDER BY s.valid_from DESC NULLS LAST LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter { Value = factId });
        command.Parameters.Add(new NpgsqlParameter { Value = day });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        DateOnly? Date(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateOnly>(i);
        var dependence = new DayDependence(reader.GetBoolean(1), Date(2), Date(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5));
        var asOf = JsonSerializer.Serialize(new TimeAxes(validAt, null, dependence.ReferenceDate(day), dependence.CarriedForwardFrom), ResponseJson.Options);
        var explanation = JsonSerializer.Serialize(dependence.Explanation(day, validAt), ResponseJson.Options);
        var body = string.Concat(reader.GetString(6), asOf, reader.GetString(7), explanation, reader.GetString(8));
        return (reader.GetInt64(0), Encoding.UTF8.GetBytes(body));
    }

    private static void Add(NpgsqlBatch batch, string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        batch.BatchCommands.Add(command);
    }
}
