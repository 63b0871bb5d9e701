using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace SCOFacts.EventStore;

public sealed partial class EventStore
{
    private const string ConcurrencySqlState = "SF409";

    /// <summary>
    /// Appends events to a stream in one transaction of its own, running the inline
    /// projections in it. Throws <see cref="ConcurrencyException"/> when the stream is
    /// not at <paramref name="expected"/>. A repeated idempotency key (in the metadata)
    /// stores nothing and returns the original events.
    /// </summary>
    public async Task<AppendResult> AppendAsync(
        string streamId,
        ExpectedVersion expected,
        IReadOnlyList<object> events,
        EventMetadata metadata,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await AppendAsync(transaction, streamId, expected, events, metadata, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (!result.Duplicate)
        {
            EventStoreMetrics.RecordAppended(StreamTypeOf(streamId), result.Events.Count);
            AfterCommit();
        }
        return result;
    }

    /// <summary>
    /// Appends inside the caller's transaction, so the caller's own writes commit or
    /// roll back with the events. Inline projections run in it too. The caller commits.
    /// A lost race raises <see cref="ConcurrencyException"/> and leaves the transaction
    /// failed: roll it back.
    /// </summary>
    public async Task<AppendResult> AppendAsync(
        NpgsqlTransaction transaction,
        string streamId,
        ExpectedVersion expected,
        IReadOnlyList<object> events,
        EventMetadata metadata,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(metadata);
        if (events.Count == 0) throw new ArgumentException("An append needs at least one event.", nameof(events));

        var connection = transaction.Connection ?? throw new InvalidOperationException("The transaction has completed.");
        var types = new string[events.Count];
        var data = new string[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            types[i] = Types.NameOf(events[i].GetType());
            data[i] = Types.Serialize(events[i]);
        }
        var metadataJson = Types.SerializeMetadata(metadata);

        var stored = events.Count == 1
            ? await AppendOneAsync(connection, transaction, streamId, expected, types[0], events[0], data[0], metadata, metadataJson, cancellationToken)
            : await AppendManyAsync(connection, transaction, streamId, expected, types, events, data, metadata, metadataJson, cancellationToken);
        if (stored.Duplicate) return stored;

        foreach (var projection in Options.InlineProjections)
            await projection.ApplyAsync(transaction, stored.Events, cancellationToken);

        if (Options.Notify == NotifyMode.InTransaction)
        {
            await using var notify = new NpgsqlCommand($"SELECT pg_notify('{EventStoreOptions.NotifyChannel}', '')", connection, transaction);
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }

        return stored;
    }

    // append_event: scalar arguments and one row back, the cheap path for the common case.
    private async Task<AppendResult> AppendOneAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId,
        ExpectedVersion expected, string type, object @event, string data, EventMetadata metadata, string metadataJson,
        CancellationToken cancellationToken)
    {
        // Called in the select list, not FROM: its one row comes back as a record, without the
        // function scan and tuplestore a FROM clause costs (about 10 us of server time).
        await using var command = new NpgsqlCommand("SELECT append_event($1, $2, $3, $4, $5, $6, $7)", connection, transaction);
        AddStreamParameters(command, streamId, expected);
        command.Parameters.Add(new NpgsqlParameter { Value = type, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = data, NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = metadataJson, NpgsqlDbType = NpgsqlDbType.Jsonb });
        AddKeyParameter(command, metadata);

        // A duplicate comes back as the original append's version range, and nothing else.
        var (stored, firstVersion, lastVersion) = await TranslateLostRaceAsync(streamId, expected, async () =>
        {
            // (global_position, stream_version, last_version, transaction_id, recorded_at, hash, duplicate)
            var row = (object[])(await command.ExecuteScalarAsync(cancellationToken))!;
            if ((bool)row[6]) return ((StoredEvent?)null, (long)row[1], (long)row[2]);
            return (new StoredEvent((long)row[0], streamId, (long)row[1], type, @event, data,
                metadata, new DateTimeOffset((DateTime)row[4], TimeSpan.Zero)) { TransactionId = (ulong)row[3], Hash = (byte[])row[5] }, 0, 0);
        });
        return stored is null
            ? await OriginalAppendAsync(connection, transaction, streamId, firstVersion, lastVersion, cancellationToken)
            : new AppendResult(streamId, [stored], Duplicate: false);
    }

    // append_events: any number of events as parallel arrays, one row back per event.
    private async Task<AppendResult> AppendManyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId,
        ExpectedVersion expected, string[] types, IReadOnlyList<object> events, string[] data, EventMetadata metadata, string metadataJson,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT global_position, stream_version, transaction_id, recorded_at, hash, duplicate " +
            "FROM append_events($1, $2, $3, $4, $5, $6, $7)", connection, transaction);
        AddStreamParameters(command, streamId, expected);
        command.Parameters.Add(new NpgsqlParameter { Value = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = Enumerable.Repeat(metadataJson, events.Count).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        AddKeyParameter(command, metadata);

        var rows = await TranslateLostRaceAsync(streamId, expected, async () =>
        {
            var read = new List<(long Position, long Version, ulong Tx, DateTime At, byte[] Hash, bool Duplicate)>(events.Count);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                read.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<ulong>(2),
                    reader.GetFieldValue<DateTime>(3), reader.GetFieldValue<byte[]>(4), reader.GetBoolean(5)));
            }
            return read;
        });
        if (rows.Count > 0 && rows[0].Duplicate)
            return await OriginalAppendAsync(connection, transaction, streamId, rows[0].Version, rows[^1].Version, cancellationToken);

        var stored = new StoredEvent[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            stored[i] = new StoredEvent(rows[i].Position, streamId, rows[i].Version, types[i],
                events[i], data[i], metadata, new DateTimeOffset(rows[i].At, TimeSpan.Zero)) { TransactionId = rows[i].Tx, Hash = rows[i].Hash };
        }
        return new AppendResult(streamId, stored, Duplicate: false);
    }

    private static void AddStreamParameters(NpgsqlCommand command, string streamId, ExpectedVersion expected)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = streamId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = StreamTypeOf(streamId), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = expected.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
    }

    private static void AddKeyParameter(NpgsqlCommand command, EventMetadata metadata) =>
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)metadata.IdempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });

    // Runs an append's statement; a lost race (SF409, the actual version in the HINT) becomes a ConcurrencyException.
    private static async Task<T> TranslateLostRaceAsync<T>(string streamId, ExpectedVersion expected, Func<Task<T>> append)
    {
        try
        {
            return await append();
        }
        catch (PostgresException e) when (e.SqlState == ConcurrencySqlState)
        {
            long? actual = long.TryParse(e.Hint, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
            throw new ConcurrencyException(streamId, expected, actual, e);
        }
    }

    // The key was used before: hand back what was stored then, not what was sent now.
    private async Task<AppendResult> OriginalAppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId,
        long firstVersion, long lastVersion, CancellationToken cancellationToken)
    {
        var original = await ReadStreamAsync(connection, transaction, streamId,
            new StreamReadOptions { FromVersion = firstVersion, ToVersion = lastVersion }, cancellationToken);
        return new AppendResult(streamId, original, Duplicate: true);
    }

    /// <summary>Signals in-process readers after a caller-owned transaction that appended has committed.</summary>
    public void NotifyCommitted() => AfterCommit();

    /// <summary>A stream's type is the part of its id before the first '-' ("fact-x" is a "fact").</summary>
    public static string StreamTypeOf(string streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        var dash = streamId.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 ? streamId[..dash] : streamId;
    }
}
