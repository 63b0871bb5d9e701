using Npgsql;

namespace SCOFacts.EventStore;

public sealed partial class EventStore
{
    // Often enough for a progress line a second, rarely enough to cost nothing.
    private const int ProgressEvery = 10_000;

    /// <summary>
    /// Recomputes every stream's hash chain from the stored rows, checks each stream's
    /// recorded head, and recomputes the commit-order digest; with <paramref name="earlier"/>,
    /// also checks that the log still extends that digest (history was only appended to).
    /// </summary>
    public Task<VerificationResult> VerifyAsync(LogDigest? earlier = null, CancellationToken cancellationToken = default) =>
        VerifyAsync(earlier, progress: null, cancellationToken);

    /// <summary>
    /// As <see cref="VerifyAsync(LogDigest?, CancellationToken)"/>, reporting the rows read so far to
    /// <paramref name="progress"/>: every event is read twice (its chain, then the digest), so the total is twice the event count.
    /// </summary>
    public async Task<VerificationResult> VerifyAsync(LogDigest? earlier, IProgress<long>? progress, CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for every query, so concurrent appends cannot look like breaks.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var breaks = new List<(FeedPosition Order, ChainBreak Break)>();
        var (events, streams) = await VerifyChainsAsync(connection, transaction, breaks, progress, cancellationToken);
        var (current, extends) = await VerifyDigestAsync(connection, transaction, earlier, breaks, progress, events, cancellationToken);
        var ordered = breaks.OrderBy(b => b.Order).Select(b => b.Break).ToList();
        return new VerificationResult(events, streams, ordered, extends, current);
    }

    /// <summary>The newest digest the daemon has recorded, or null before its first batch.</summary>
    public async Task<LogDigest?> GetLatestDigestAsync(CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand(
            "SELECT transaction_id, global_position, event_count, digest, computed_at FROM event_digests ORDER BY digest_id DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new LogDigest(
            new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)),
            reader.GetInt64(2),
            Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(3)),
            new DateTimeOffset(reader.GetFieldValue<DateTime>(4), TimeSpan.Zero));
    }

    private static async Task<(long Events, long Streams)> VerifyChainsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        List<(FeedPosition, ChainBreak)> breaks, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var heads = new Dictionary<string, (long Version, byte[]? Hash)>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT stream_id, version, last_hash FROM streams", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                heads[reader.GetString(0)] = (reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2));
        }

        long events = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? stream = null;
        byte[]? previous = null;
        long expectedVersion = 0;
        var broken = false;
        (FeedPosition Order, long Version)? last = null;

        void CloseStream()
        {
            if (stream is null || broken) return;
            if (!heads.TryGetValue(stream, out var head))
                breaks.Add((last!.Value.Order, new ChainBreak(stream, last.Value.Version, null, "the stream has events but no head record")));
            else if (head.Version != expectedVersion || !(head.Hash ?? []).AsSpan().SequenceEqual(previous ?? []))
                breaks.Add((last!.Value.Order, new ChainBreak(stream, expectedVersion + 1, null,
                    $"the stream's head says version {head.Version}, its last event is version {expectedVersion}: events after it are missing")));
        }

        await using (var command = new NpgsqlCommand(
            "SELECT global_position, transaction_id, stream_id, stream_version, event_type, data::text, metadata::text, recorded_at, hash " +
            "FROM events ORDER BY stream_id, stream_version", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                events++;
                if (events % ProgressEvery == 0) progress?.Report(events);
                var position = reader.GetInt64(0);
                var tx = reader.GetFieldValue<ulong>(1);
                var streamId = reader.GetString(2);
                var version = reader.GetInt64(3);
                if (!string.Equals(streamId, stream, StringComparison.Ordinal))
                {
                    CloseStream();
                    stream = streamId;
                    seen.Add(streamId);
                    previous = null;
                    expectedVersion = 0;
                    broken = false;
                }
                var order = new FeedPosition(tx, position);
                last = (order, version);
                if (broken) continue;

                if (version != expectedVersion + 1)
                {
                    breaks.Add((order, new ChainBreak(streamId, expectedVersion + 1, position,
                        $"version {expectedVersion + 1} is missing: found version {version} after {expectedVersion}")));
                    broken = true;
                    continue;
                }
                var stored = reader.GetFieldValue<byte[]>(8);
                var computed = EventHash.Compute(previous, position, tx, streamId, version, reader.GetString(4),
                    reader.GetString(5), reader.GetString(6), reader.GetFieldValue<DateTime>(7));
                if (!computed.AsSpan().SequenceEqual(stored))
                {
                    breaks.Add((order, new ChainBreak(streamId, version, position,
                        "the stored hash does not match the event's contents and its predecessor's hash")));
                    broken = true;
                    continue;
                }
                previous = stored;
                expectedVersion = version;
            }
        }
        CloseStream();
        progress?.Report(events);

        foreach (var (streamId, head) in heads)
        {
            if (head.Version > 0 && !seen.Contains(streamId))
                breaks.Add((new FeedPosition(0, 0), new ChainBreak(streamId, 1, null, $"the stream's head says version {head.Version} but it has no events")));
        }
        return (events, heads.Count);
    }

    private async Task<(LogDigest Current, bool? Extends)> VerifyDigestAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        LogDigest? earlier, List<(FeedPosition, ChainBreak)> breaks, IProgress<long>? progress, long readBefore, CancellationToken cancellationToken)
    {
        var digest = EventHash.EmptyDigest;
        long count = 0;
        var position = FeedPosition.Start;
        bool? extends = earlier is null ? null : earlier.EventCount == 0 && earlier.Hash == Convert.ToHexStringLower(digest);
        await using (var command = new NpgsqlCommand(
            // Only the settled part of the log: a digest must never cover a position before
            // which an in-flight transaction could still commit an event.
            // transaction_id is selected as itself, never cast to text: ORDER BY resolves a bare
            // name to the output column first, and text order puts 1000 before 999.
            "SELECT transaction_id, global_position, hash FROM events " +
            (Options.Frozen ? "" : "WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot()) ") + "ORDER BY transaction_id, global_position",
            connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                position = new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1));
                digest = EventHash.ExtendDigest(digest, reader.GetFieldValue<byte[]>(2));
                count++;
                if (count % ProgressEvery == 0) progress?.Report(readBefore + count);
                if (earlier is not null && count == earlier.EventCount)
                {
                    extends = position == earlier.Position && Convert.ToHexStringLower(digest) == earlier.Hash;
                    if (extends == false)
                        breaks.Add((earlier.Position, new ChainBreak(null, null, earlier.Position.GlobalPosition,
                            $"the log's first {count} events no longer produce the digest kept at {earlier.Position}")));
                }
            }
        }
        progress?.Report(readBefore + count);
        if (earlier is not null && count < earlier.EventCount)
        {
            extends = false;
            breaks.Add((earlier.Position, new ChainBreak(null, null, earlier.Position.GlobalPosition,
                $"the log has {count} events, fewer than the {earlier.EventCount} the digest covered")));
        }
        return (new LogDigest(position, count, Convert.ToHexStringLower(digest), DateTimeOffset.UtcNow), extends);
    }
}
