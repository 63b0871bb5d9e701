using Marten;
using Npgsql;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Storage;

/// <summary>
/// The first event of a log carried over from the store SCOFacts kept before Marten (ADR 005): the old log's
/// final digest, so the new log's first entry commits to everything the old one had proved.
/// </summary>
/// <param name="EventCount">Events the old log held, all carried over after this one.</param>
/// <param name="Digest">The old log's commit-order digest over every event hash (SHA-256, lower-case hex).</param>
/// <param name="DigestToken">The same digest in the token form the old audit endpoints handed out (<c>txid.position.count.hash</c>).</param>
/// <param name="StreamsVerified">Hash chains that were walked and held.</param>
/// <param name="VerifiedAt">When the old chains were verified, just before the carry-over began.</param>
public sealed record LegacyLogCarriedOver(long EventCount, string Digest, string DigestToken, long StreamsVerified, DateTimeOffset VerifiedAt);

/// <summary>What a carry-over did.</summary>
/// <param name="Outcome">Whether anything was carried, and why not.</param>
/// <param name="Carried">Events carried in this run.</param>
/// <param name="Total">Events the old log holds.</param>
/// <param name="Digest">The old log's final digest (null when there was no old log).</param>
public sealed record CarryOverReport(CarryOverOutcome Outcome, long Carried, long Total, string? Digest);

/// <summary>How a carry-over ended.</summary>
public enum CarryOverOutcome
{
    /// <summary>The old log was empty (or absent): a store that began on Marten.</summary>
    NothingToCarry,

    /// <summary>Every old event was carried now (or, resumed, the rest of them).</summary>
    Carried,

    /// <summary>An earlier run had carried everything; nothing was written.</summary>
    AlreadyCarried,
}

/// <summary>The old log cannot be carried over: a hash chain is broken, or Marten's log is not a carried prefix of it.</summary>
public sealed class CarryOverRefusedException(string message) : Exception(message);

/// <summary>
/// Carries every event of the old store's log into Marten, once, when a database of the release before Marten
/// is upgraded. The old hash chains are verified first and the carry-over is refused if any is broken. The
/// first event of the new log records the old log's final digest (<see cref="LegacyLogCarriedOver"/>); then
/// every old event follows in the old log's commit order, in its own stream at its own version, with its
/// original time, principal, correlation and causation ids, idempotency key, reason and extras. Its old
/// position and hash ride along as headers, so an auditor can match the two logs event by event.
/// </summary>
/// <remarks>
/// Events are carried in batches, each one transaction; a run that stops half way (a crash, a cancelled
/// start) resumes after the last committed batch, because the carried events are always a prefix of the
/// old log in commit order. The old tables are left as they are, read-only in practice: nothing writes to
/// them after the upgrade, and they remain the evidence the recorded digest refers to.
/// </remarks>
public sealed class LegacyLogCarryOver(EventStore.EventStore legacy, IDocumentStore store, NpgsqlDataSource dataSource)
{
    /// <summary>The stream holding the carry-over's first event.</summary>
    public const string GenesisStream = "log-carried-over";

    /// <summary>Header: the event's global position in the old log.</summary>
    public const string LegacyPositionHeader = "legacyPosition";

    /// <summary>Header: the event's hash in the old log's chain, hex.</summary>
    public const string LegacyHashHeader = "legacyHash";

    // Serialises carry-overs across processes: several nodes may start on one old database at once.
    private const long AdvisoryLockKey = 0x5C0FAC75_00000005;

    /// <summary>Events per transaction.</summary>
    public int BatchSize { get; init; } = 1_000;

    /// <summary>Carries the old log over, or finishes a carry-over that stopped half way; see the class remarks.</summary>
    /// <param name="progress">Receives the number of events carried so far in this run.</param>
    /// <param name="cancellationToken">Stops after the current batch's transaction ends (committed or not).</param>
    /// <exception cref="CarryOverRefusedException">An old hash chain is broken, or Marten's log is not a carried prefix of the old one.</exception>
    public async Task<CarryOverReport> RunAsync(IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({AdvisoryLockKey})", lockConnection))
            await take.ExecuteNonQueryAsync(cancellationToken);
        try
        {
            return await CarryAsync(progress, cancellationToken);
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({AdvisoryLockKey})", lockConnection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<CarryOverReport> CarryAsync(IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var total = await ScalarAsync("SELECT count(*) FROM events", cancellationToken);
        if (total == 0) return new(CarryOverOutcome.NothingToCarry, 0, 0, null);

        var carried = await ScalarAsync($"SELECT count(*) FROM mt_events WHERE stream_id <> '{GenesisStream}'", cancellationToken);
        var genesis = await ScalarAsync($"SELECT count(*) FROM mt_events WHERE stream_id = '{GenesisStream}'", cancellationToken);
        if (genesis == 0 && carried > 0)
            throw new CarryOverRefusedException($"Marten's log already holds {carried} events that did not come from the old log: refusing to mix the two.");

        var verification = await VerifySettledAsync(total, cancellationToken);
        if (!verification.IsValid)
        {
            var first = verification.FirstBreak!;
            throw new CarryOverRefusedException(
                $"The old log does not verify, so it is not carried over: stream {first.StreamId} version {first.StreamVersion}: {first.Reason}.");
        }
        var digest = verification.Current;
        if (carried == total) return new(CarryOverOutcome.AlreadyCarried, 0, total, digest.Hash);

        if (genesis == 0)
        {
            await using var session = store.LightweightSession();
            session.LastModifiedBy = "system";
            session.Events.StartStream(GenesisStream, new LegacyLogCarriedOver(total, digest.Hash, FormatToken(digest),
                verification.StreamsChecked, DateTimeOffset.UtcNow));
            await session.SaveChangesAsync(cancellationToken);
        }

        // Skip the prefix an earlier run carried, checking that it is one.
        var position = FeedPosition.Start;
        var skipped = 0L;
        StoredEvent? lastSkipped = null;
        while (skipped < carried)
        {
            var page = await legacy.ReadFeedAsync(position, (int)Math.Min(BatchSize, carried - skipped), cancellationToken);
            if (page.Events.Count == 0) break;
            skipped += page.Events.Count;
            lastSkipped = page.Events[^1];
            position = page.Next;
        }
        if (lastSkipped is not null) await RequireCarriedAsync(lastSkipped, cancellationToken);

        var done = 0L;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await legacy.ReadFeedAsync(position, BatchSize, cancellationToken);
            if (page.Events.Count == 0) break;
            await CarryBatchAsync(page.Events, cancellationToken);
            done += page.Events.Count;
            position = page.Next;
            progress?.Report(done);
        }
        return new(CarryOverOutcome.Carried, done, total, digest.Hash);
    }

    // The old digest covers only the settled part of the log: events of transactions older than every running
    // one. Nothing appends to the old log any more, but any open transaction (a projection batch, say) holds the
    // settled point back; it ends within moments, and the digest recorded must cover every event.
    private async Task<VerificationResult> VerifySettledAsync(long total, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var verification = await legacy.VerifyAsync(cancellationToken: cancellationToken);
            if (!verification.IsValid || verification.Current.EventCount == total) return verification;
            if (attempt == SettleAttempts)
                throw new CarryOverRefusedException(
                    $"The old log's digest covers {verification.Current.EventCount} of its {total} events: a transaction has been open for over " +
                    $"{SettleAttempts * SettleDelay.TotalSeconds:0} s. End it and start again.");
            await Task.Delay(SettleDelay, cancellationToken);
        }
    }

    private const int SettleAttempts = 300;

    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(100);

    private async Task CarryBatchAsync(IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Each run of consecutive events of one stream is one append at the old versions, in the old commit order,
        // so Marten's sequence numbers follow the old log's order exactly.
        for (var start = 0; start < events.Count;)
        {
            var end = start + 1;
            while (end < events.Count && events[end].StreamId == events[start].StreamId) end++;
            var run = events.Skip(start).Take(end - start).ToList();
            await using (var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: false)))
            {
                var action = session.Events.Append(run[0].StreamId, run[^1].StreamVersion, run.Select(e => e.Data).ToArray());
                for (var i = 0; i < run.Count; i++) Stamp(action.Events[i], run[i]);
                await session.SaveChangesAsync(cancellationToken);
            }
            start = end;
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static void Stamp(JasperFx.Events.IEvent target, StoredEvent source)
    {
        var metadata = source.Metadata;
        target.Timestamp = source.RecordedAt;
        target.UserName = metadata.Principal;
        target.CorrelationId = metadata.CorrelationId;
        target.CausationId = metadata.CausationId;
        foreach (var (name, value) in ScoFactsMarten.Headers(metadata)) target.SetHeader(name, value);
        target.SetHeader(LegacyPositionHeader, source.GlobalPosition);
        target.SetHeader(LegacyHashHeader, Convert.ToHexStringLower(source.Hash));
    }

    private async Task RequireCarriedAsync(StoredEvent last, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT stream_id, version FROM mt_events WHERE stream_id <> '{GenesisStream}' ORDER BY seq_id DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken) && reader.GetString(0) == last.StreamId && reader.GetInt64(1) == last.StreamVersion) return;
        throw new CarryOverRefusedException(
            $"Marten's log is not a prefix of the old one: its last event should be {last.StreamId} version {last.StreamVersion}.");
    }

    // The token form the old audit endpoints handed out (txid.position.count.hash), so a token an auditor kept can be matched.
    private static string FormatToken(LogDigest digest) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{digest.Position.TransactionId}.{digest.Position.GlobalPosition}.{digest.EventCount}.{digest.Hash}");

    private async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
