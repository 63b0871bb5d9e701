using System.Text.Json;
using Marten;
using Marten.Exceptions;
using Npgsql;
using NpgsqlTypes;
using SCOFacts.Domain;
using SCOFacts.EventStore;
using SCOFacts.EventStore.Projections;

namespace SCOFacts.Api.Storage;

/// <summary>
/// The product's event streams on Marten (ADR 005): appends go through a Marten session to <c>mt_events</c> and
/// <c>mt_streams</c>, on a transaction shared with the inline projections, so the views commit or roll back with the
/// events; reads come from the same table. The calling surface is the one the product used before Marten: expected
/// versions, <see cref="ConcurrencyException"/> for a lost race, idempotency keys that store nothing twice.
/// </summary>
public sealed class ScoFactsEvents
{
    /// <summary>
    /// The first half of the two-key advisory lock a write holds on its stream ("5C0FAC" for SCOFacts, slot 10); the
    /// second half is the stream id's hash. Two-key locks never meet the one-key locks the migrations, the ledger and
    /// Marten's daemon take.
    /// </summary>
    public const int StreamLockClass = 0x5C0FAC10;

    internal const string EventColumns =
        "seq_id, stream_id, version, type, data::text, user_name, correlation_id, causation_id, headers::text, timestamp";

    private const string UniqueViolation = "23505";
    private readonly IDocumentStore _store;
    private readonly IReadOnlyList<IProjection> _inline;

    /// <summary>Appends through <paramref name="store"/> and runs <paramref name="inline"/> in each append's transaction.</summary>
    public ScoFactsEvents(IDocumentStore store, NpgsqlDataSource dataSource, IEnumerable<IProjection> inline)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        DataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _inline = (inline ?? throw new ArgumentNullException(nameof(inline))).ToList();
    }

    /// <summary>The database the streams live in.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The projections that run inside every append's transaction.</summary>
    public IReadOnlyList<IProjection> InlineProjections => _inline;

    /// <summary>
    /// Appends events to a stream in one transaction of its own, running the inline projections in it. Throws
    /// <see cref="ConcurrencyException"/> when the stream is not at <paramref name="expected"/>. A repeated idempotency
    /// key (in the metadata) stores nothing and returns the original events.
    /// </summary>
    public async Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<object> events, EventMetadata metadata,
        CancellationToken cancellationToken = default)
    {
        AppendResult result;
        await using (var connection = await DataSource.OpenConnectionAsync(cancellationToken))
        {
            try
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                result = await AppendAsync(transaction, streamId, expected, events, metadata, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (ConcurrencyException e) when (e.ActualVersion is null)
            {
                // The failed transaction could not say where the stream stands; the caller's precondition answer can.
                throw new ConcurrencyException(streamId, expected, await VersionAsync(connection, streamId, cancellationToken), e.InnerException);
            }
        }
        return result;
    }

    /// <summary>
    /// Takes the stream's write lock for the rest of the transaction open on <paramref name="connection"/>: writers that
    /// take it run one after another per stream, so the state one of them reads after taking it is the state it appends
    /// to. Streams whose ids share a hash share a lock, which only makes them wait for each other.
    /// </summary>
    public static async Task LockStreamAsync(NpgsqlConnection connection, string streamId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, hashtext($2))", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = StreamLockClass });
        command.Parameters.Add(new NpgsqlParameter { Value = streamId, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Appends inside the caller's transaction through a Marten session opened on it, then runs the inline projections
    /// in it; the caller commits. A lost race raises <see cref="ConcurrencyException"/> and leaves the transaction
    /// failed: roll it back. A repeated idempotency key stores nothing and returns the events it stored first.
    /// The events are counted in <see cref="EventStoreMetrics"/> once they and their views are written here: a caller
    /// that then rolls back leaves them counted, which is rare (a failed commit) and only ever over-counts.
    /// </summary>
    public async Task<AppendResult> AppendAsync(NpgsqlTransaction transaction, string streamId, ExpectedVersion expected,
        IReadOnlyList<object> events, EventMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(metadata);
        if (events.Count == 0) throw new ArgumentException("An append needs at least one event.", nameof(events));
        var connection = transaction.Connection ?? throw new InvalidOperationException("The transaction has completed.");

        // The key row is taken first: a concurrent request with the same key waits here for the first to end, then
        // finds its row and returns what it stored.
        if (metadata.IdempotencyKey is { } key && await ClaimKeyAsync(connection, transaction, streamId, key, cancellationToken) is { } earlier)
        {
            var original = await ReadStreamAsync(connection, transaction, streamId,
                new StreamReadOptions { FromVersion = earlier.First, ToVersion = earlier.Last }, cancellationToken);
            return new AppendResult(streamId, original, Duplicate: true);
        }

        try
        {
            await using var session = _store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: false));
            ScoFactsMarten.Stamp(session, metadata);
            _ = expected.Value switch
            {
                -2 => session.Events.Append(streamId, events.ToArray()),
                // Marten's expected version is the stream's version after the append.
                -1 => session.Events.Append(streamId, (long)events.Count, events.ToArray()),
                var v => session.Events.Append(streamId, v + events.Count, events.ToArray()),
            };
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (IsLostRace(e))
        {
            throw new ConcurrencyException(streamId, expected, null, e);
        }

        var stored = await CompleteAppendAsync(transaction, streamId, events.Count, metadata.IdempotencyKey, cancellationToken);
        return new AppendResult(streamId, stored, Duplicate: false);
    }

    /// <summary>
    /// The rest of an append, after Marten inserted <paramref name="count"/> events into <paramref name="streamId"/> in
    /// <paramref name="transaction"/>: the idempotency key's row with the versions it took, the inline projections and
    /// the metrics. The caller commits. A key another request stored first raises
    /// <see cref="Application.IdempotencyKeyTakenException"/>; roll back.
    /// </summary>
    /// <returns>The events as stored, with their positions and timestamps.</returns>
    public async Task<IReadOnlyList<StoredEvent>> CompleteAppendAsync(NpgsqlTransaction transaction, string streamId, int count, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection ?? throw new InvalidOperationException("The transaction has completed.");

        // The stream's row is this transaction's until it ends, so its newest events are the ones just appended.
        var stored = await ReadLatestAsync(connection, transaction, streamId, count, cancellationToken);
        if (idempotencyKey is { } key
            && !await RecordKeyAsync(connection, transaction, streamId, key, stored[0].StreamVersion, stored[^1].StreamVersion, cancellationToken))
            throw new Application.IdempotencyKeyTakenException(streamId);

        foreach (var projection in _inline)
            await projection.ApplyAsync(transaction, stored, cancellationToken);
        EventStoreMetrics.RecordAppended(ReadModels.FactsProjection.StreamTypeOf(streamId), stored.Count);
        return stored;
    }

    /// <summary>True for Marten's ways of saying another writer appended to the stream first.</summary>
    public static bool IsLostRace(Exception e) => e switch
    {
        JasperFx.Events.EventStreamUnexpectedMaxEventIdException or ExistingStreamIdCollisionException => true,
        JasperFx.ConcurrencyException => true,
        PostgresException { SqlState: UniqueViolation } pg => pg.ConstraintName is "pk_mt_events_stream_and_version" or "pkey_mt_streams_id",
        MartenCommandException { InnerException: { } inner } => IsLostRace(inner),
        _ => false,
    };

    private static async Task<(long First, long Last)?> ClaimKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId,
        string key, CancellationToken cancellationToken)
    {
        await using (var claim = new NpgsqlCommand(
            "INSERT INTO stream_idempotency (stream_id, idempotency_key) VALUES ($1, $2) ON CONFLICT DO NOTHING", connection, transaction))
        {
            claim.Parameters.Add(new NpgsqlParameter { Value = streamId, NpgsqlDbType = NpgsqlDbType.Text });
            claim.Parameters.Add(new NpgsqlParameter { Value = key, NpgsqlDbType = NpgsqlDbType.Text });
            if (await claim.ExecuteNonQueryAsync(cancellationToken) == 1) return null;
        }
        // A statement of its own: its snapshot sees the row whose commit the insert waited for.
        await using var command = new NpgsqlCommand(
            "SELECT first_version, last_version FROM stream_idempotency WHERE stream_id = $1 AND idempotency_key = $2", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = key, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || reader.IsDBNull(0)) return null;
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<IReadOnlyList<StoredEvent>> ReadLatestAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId,
        int count, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {EventColumns} FROM mt_events WHERE stream_id = $1 ORDER BY version DESC LIMIT $2", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        command.Parameters.Add(new NpgsqlParameter { Value = count });
        var latest = await ReadEventsAsync(command, cancellationToken);
        return latest.Reverse().ToList();
    }

    // Stores the versions the key took, in one statement: a new row, or the row this transaction claimed before the
    // append (its versions still empty). False when another request's row holds the key: that request stored first.
    private static async Task<bool> RecordKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, string key,
        long first, long last, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO stream_idempotency AS si (stream_id, idempotency_key, first_version, last_version) VALUES ($1, $2, $3, $4) " +
            "ON CONFLICT (stream_id, idempotency_key) DO UPDATE SET first_version = EXCLUDED.first_version, last_version = EXCLUDED.last_version " +
            "WHERE si.first_version IS NULL",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = key, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = first });
        command.Parameters.Add(new NpgsqlParameter { Value = last });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task<long?> VersionAsync(NpgsqlConnection connection, string streamId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version FROM mt_streams WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        return await command.ExecuteScalarAsync(cancellationToken) is long version ? version : 0;
    }

    /// <summary>Reads a stream forward, within the bounds given.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, StreamReadOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return await ReadStreamAsync(connection, null, streamId, options ?? StreamReadOptions.All, cancellationToken);
    }

    /// <summary>
    /// Reads a stream forward on the caller's connection and transaction. With <see cref="StreamReadOptions.ToTimestamp"/>
    /// it is Marten's time travel: the events stored up to that moment.
    /// </summary>
    public static async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        string streamId, StreamReadOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        await using var command = new NpgsqlCommand(
            $"SELECT {EventColumns} FROM mt_events WHERE stream_id = $1 " +
            "AND version >= $2 AND version <= $3 AND timestamp <= $4 ORDER BY version", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        command.Parameters.Add(new NpgsqlParameter { Value = options.FromVersion ?? 1 });
        command.Parameters.Add(new NpgsqlParameter { Value = options.ToVersion ?? long.MaxValue });
        command.Parameters.Add(new NpgsqlParameter { Value = (options.ToTimestamp ?? DateTimeOffset.MaxValue).UtcDateTime });
        return await ReadEventsAsync(command, cancellationToken);
    }

    /// <summary>
    /// Folds a stream into a state: at its latest version, at a version, or as it stood at a moment (Marten's time
    /// travel: a fold over the events stored up to then).
    /// </summary>
    /// <returns>The state and the version it reflects (0 when the stream is empty or absent).</returns>
    public async Task<(TState State, long Version)> AggregateStreamAsync<TState>(string streamId, TState initial,
        Func<TState, StoredEvent, TState> evolve, StreamReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evolve);
        var events = await ReadStreamAsync(streamId, options, cancellationToken);
        var state = initial;
        foreach (var e in events) state = evolve(state, e);
        return (state, events.Count == 0 ? 0 : events[^1].StreamVersion);
    }

    /// <summary>The stream's current version, or null when it does not exist.</summary>
    public async Task<long?> GetStreamVersionAsync(string streamId, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("SELECT version FROM mt_streams WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        return await command.ExecuteScalarAsync(cancellationToken) is long version ? version : null;
    }

    /// <summary>Reads the rows of a command selecting <see cref="EventColumns"/>.</summary>
    internal static async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) events.Add(ReadEvent(reader));
        return events;
    }

    /// <summary>One row selecting <see cref="EventColumns"/> as a stored event.</summary>
    internal static StoredEvent ReadEvent(NpgsqlDataReader reader)
    {
        var type = reader.GetString(3);
        var data = reader.GetString(4);
        return new StoredEvent(
            GlobalPosition: reader.GetInt64(0),
            StreamId: reader.GetString(1),
            StreamVersion: reader.GetInt64(2),
            EventType: type,
            Data: DomainEvents.TryGetType(type, out _) ? DomainEvents.Deserialize(type, data) : JsonDocument.Parse(data).RootElement.Clone(),
            DataJson: data,
            Metadata: MetadataOf(reader.IsDBNull(5) ? "" : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8)),
            RecordedAt: reader.GetFieldValue<DateTimeOffset>(9));
    }

    // The headers hold the idempotency key, the reason and the extras; a carried-over event's old position and hash
    // are evidence about the old log, not metadata of the event.
    private static EventMetadata MetadataOf(string principal, string? correlation, string? causation, string? headers)
    {
        string? key = null, reason = null;
        Dictionary<string, string>? extra = null;
        if (headers is not null)
        {
            using var document = JsonDocument.Parse(headers);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var header in document.RootElement.EnumerateObject())
                {
                    var value = header.Value.ValueKind == JsonValueKind.String ? header.Value.GetString()! : header.Value.GetRawText();
                    switch (header.Name)
                    {
                        case ScoFactsMarten.IdempotencyKeyHeader: key = value; break;
                        case ScoFactsMarten.ReasonHeader: reason = value; break;
                        case LegacyLogCarryOver.LegacyPositionHeader or LegacyLogCarryOver.LegacyHashHeader: break;
                        default: (extra ??= new Dictionary<string, string>(StringComparer.Ordinal))[header.Name] = value; break;
                    }
                }
            }
        }
        return new EventMetadata(principal, correlation, causation, key, reason) { Extra = extra };
    }
}
