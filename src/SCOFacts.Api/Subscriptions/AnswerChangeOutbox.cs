using System.Collections.Concurrent;
using Npgsql;
using Wolverine.RDBMS;
using Wolverine.Runtime;

namespace SCOFacts.Api.Subscriptions;

/// <summary>
/// Where a write rewrites facts' answers, this notices which answers changed and puts a <see cref="FactAnswerChanged"/>
/// for each into Wolverine's outbox, inside the write's own transaction.
/// </summary>
/// <remarks>
/// The messages are stored as incoming envelopes of a durable local queue in the write's transaction, so they commit
/// or roll back with the events. Wolverine learns that the transaction ended from <see cref="OutboxRelease"/>, which
/// asks PostgreSQL for the transaction's fate and hands committed messages to their queue at once. Should the process
/// die in between, the stored envelopes are recovered by Wolverine's durability agent.
/// </remarks>
public sealed class AnswerChangeOutbox(IServiceProvider services, OutboxRelease release)
{
    /// <summary>
    /// Runs <paramref name="batch"/> (which rewrites the answers of <paramref name="factIds"/>) in its transaction,
    /// reading the answers before and after it, and enlists a <see cref="FactAnswerChanged"/> for each answer whose
    /// value, verdict or confidence band moved. A fact that had no answer before (a new one) announces nothing: its
    /// first claim moves it from unverified, and that is announced.
    /// </summary>
    public async Task ExecuteAsync(NpgsqlBatch batch, IReadOnlyCollection<string> factIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(factIds);
        // A host without messaging (a verb that reads files) never writes; the check keeps the projection usable alone.
        if (factIds.Count == 0 || services.GetService<IWolverineRuntime>() is not { } runtime)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        var connection = batch.Connection ?? throw new InvalidOperationException("The batch has no connection.");
        var transaction = batch.Transaction ?? throw new InvalidOperationException("Answers are rewritten inside a write's transaction.");
        var ids = factIds.Distinct(StringComparer.Ordinal).ToArray();

        var before = await ReadAnswersAsync(connection, transaction, ids, rewritten: false, cancellationToken);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        var after = await ReadAnswersAsync(connection, transaction, ids, rewritten: true, cancellationToken);

        var changes = new List<FactAnswerChanged>();
        foreach (var id in ids)
        {
            if (before.TryGetValue(id, out var was) && after.TryGetValue(id, out var now) && now.DiffersFrom(was))
                changes.Add(new FactAnswerChanged(Guid.CreateVersion7(), id, was, now));
        }
        if (changes.Count == 0) return;

        var storage = runtime.Storage as IMessageDatabase
            ?? throw new InvalidOperationException("Wolverine's message store is not the application's PostgreSQL database.");
        var context = new MessageContext(runtime);
        await context.EnlistInOutboxAsync(new DatabaseEnvelopeTransaction(storage, transaction));
        foreach (var change in changes)
            await context.PublishAsync(change);

        await using var xid = new NpgsqlCommand("SELECT pg_current_xact_id()::text", connection, transaction);
        release.Track((string)(await xid.ExecuteScalarAsync(cancellationToken))!, context);
    }

    // fact_views holds each fact's current answer. An answer being rewritten is dated by the write's transaction time
    // (now()); the one before it by the fact's latest event then, the closest the row knows.
    private static async Task<Dictionary<string, FactAnswer>> ReadAnswersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string[] factIds, bool rewritten, CancellationToken cancellationToken)
    {
        var answers = new Dictionary<string, FactAnswer>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(
            "SELECT fact_id, subject, property, value_display, verdict, confidence, version, updated_at, now() FROM fact_views WHERE fact_id = ANY($1)",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = factIds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            double? confidence = reader.IsDBNull(5) ? null : Convert.ToDouble(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture);
            answers[reader.GetString(0)] = new FactAnswer(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), confidence, ConfidenceBands.Of(confidence),
                reader.GetInt64(6), new DateTimeOffset(reader.GetFieldValue<DateTime>(rewritten ? 8 : 7), TimeSpan.Zero));
        }
        return answers;
    }
}

/// <summary>
/// Hands messages enlisted in a write's transaction to Wolverine once PostgreSQL says the transaction committed, and
/// forgets them when it rolled back (their stored envelopes went with it).
/// </summary>
/// <remarks>
/// The writers commit on their own (the event store, the trust projection's round), so the outbox cannot hook their
/// commit; it asks <c>pg_xact_status</c> instead, every few milliseconds while anything is pending and not at all
/// otherwise.
/// </remarks>
public sealed partial class OutboxRelease(Npgsql.NpgsqlDataSource dataSource, ILogger<OutboxRelease> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<MessageContext>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0);

    /// <summary>Messages enlisted in the transaction <paramref name="transactionId"/>, to be released when it commits.</summary>
    public void Track(string transactionId, MessageContext context)
    {
        _pending.GetOrAdd(transactionId, _ => new ConcurrentQueue<MessageContext>()).Enqueue(context);
        _signal.Release();
    }

    /// <summary>How many transactions' messages wait for their transaction to end.</summary>
    public int Pending => _pending.Count;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _signal.WaitAsync(stoppingToken);
                var delay = TimeSpan.FromMilliseconds(2);
                while (!_pending.IsEmpty)
                {
                    try
                    {
                        if (!await ReleaseEndedAsync(stoppingToken))
                        {
                            // Still open: a long transaction is asked less and less often.
                            await Task.Delay(delay, stoppingToken);
                            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
                        }
                    }
                    catch (NpgsqlException e)
                    {
                        LogCheckFailed(logger, e);
                        await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: messages not released yet are in the store, and Wolverine recovers them.
        }
    }

    // True when some transaction ended (and its messages were released or dropped).
    private async Task<bool> ReleaseEndedAsync(CancellationToken cancellationToken)
    {
        var ids = _pending.Keys.ToArray();
        var ended = new List<(string Id, bool Committed)>();
        await using (var command = dataSource.CreateCommand("SELECT x, pg_xact_status(x::xid8) FROM unnest($1::text[]) AS x"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = ids });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var status = reader.IsDBNull(1) ? null : reader.GetString(1);
                if (status != "in progress") ended.Add((reader.GetString(0), status == "committed"));
            }
        }
        foreach (var (id, committed) in ended)
        {
            if (!_pending.TryRemove(id, out var contexts) || !committed) continue;
            while (contexts.TryDequeue(out var context))
                await context.FlushOutgoingMessagesAsync();
        }
        return ended.Count > 0;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask PostgreSQL whether outbox transactions ended; retrying")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
