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
        if (!result.Duplicate) AfterCommit();
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

        await using var command = new NpgsqlCommand(
            "SELECT global_position, stream_version, transaction_id, recorded_at, hash, duplicate " +
            "FROM append_events($1, $2, $3, $4, $5, $6, $7)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = StreamTypeOf(streamId), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = expected.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = Enumerable.Repeat(metadataJson, events.Count).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)metadata.IdempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });

        var rows = new List<(long Position, long Version, ulong Tx, DateTime At, byte[] Hash, bool Duplicate)>(events.Count);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<ulong>(2),
                    reader.GetFieldValue<DateTime>(3), reader.GetFieldValue<byte[]>(4), reader.GetBoolean(5)));
            }
        }
        catch (PostgresException e) when (e.SqlState == ConcurrencySqlState)
        {
            long? actual = long.TryParse(e.Hint, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
            throw new ConcurrencyException(streamId, expected, actual, e);
        }

        if (rows.Count > 0 && rows[0].Duplicate)
        {
            // The key was used before: hand back what was stored then, not what was sent now.
            var original = await ReadStreamAsync(connection, transaction, streamId,
                new StreamReadOptions { FromVersion = rows[0].Version, ToVersion = rows[^1].Version }, cancellationToken);
            return new AppendResult(streamId, original, Duplicate: true);
        }

        var stored = new StoredEvent[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            stored[i] = new StoredEvent(rows[i].Position, rows[i].Tx, streamId, rows[i].Version, types[i],
                events[i], data[i], metadata, new DateTimeOffset(rows[i].At, TimeSpan.Zero), rows[i].Hash);
        }

        foreach (var projection in Options.InlineProjections)
            await projection.ApplyAsync(transaction, stored, cancellationToken);

        if (Options.Notify == NotifyMode.InTransaction)
        {
            await using var notify = new NpgsqlCommand($"SELECT pg_notify('{EventStoreOptions.NotifyChannel}', '')", connection, transaction);
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }

        return new AppendResult(streamId, stored, Duplicate: false);
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
