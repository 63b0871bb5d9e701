using Microsoft.Extensions.Options;
using Npgsql;
using SCOFacts.Api.ReadModels;
using SCOFacts.Api.Subscriptions;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Trust;

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
/// Learns source reliabilities on Marten's async daemon. Keeps the estimator's inputs (trust_claims,
/// trust_sources) from fact and source events; when they have changed, estimates again over every claim, with
/// editors' ratings as priors, writes source_trust (current) and source_trust_history (every change, for
/// reads as known at a moment), and reconciles again the facts citing sources whose reliability moved.
/// </summary>
/// <remarks>
/// <para>
/// A full estimation costs about as much for one new claim as for a thousand, so it does not run per batch: it
/// runs in the batch that catches up with the head of the log, and while a backlog is worked through at most
/// every <see cref="TrustScheduleOptions.EstimateEveryWhileBehind"/> (<see cref="TrustEstimationSchedule"/>).
/// </para>
/// <para>
/// Each batch is applied in one transaction of its own, serialised with every other batch and on-demand estimation
/// (in any process) by an advisory lock. A batch delivered again after a crash is applied again, which changes
/// nothing: the inputs are re-derived from the streams the batch touched. Writes never wait for an estimation (at most for the short re-reconciliation of the fact they touch).
/// The estimate is warm-started from the previous one kept in memory, which only saves rounds: copy groups
/// are detected afresh and stored reliabilities are rounded to <see cref="Decimals"/> places, well above
/// the estimator's tolerance, so the rows do not depend on whether a warm start was available.
/// It owns no table a rebuild could replay (its history is stamped with the time of each
/// estimation and it updates the facts projection's views); <see cref="ReestimateAsync"/> re-derives its
/// inputs from the log and estimates from scratch instead.
/// </para>
/// <para>
/// What it keeps in memory can be lost with the process without losing an estimation: a fresh instance takes
/// its inputs to have changed and every earlier write to have raced a weight move, and the batch that left
/// inputs unestimated was behind, so a later batch (which then estimates or defers again) always follows.
/// </para>
/// </remarks>
public sealed class TrustProjection
{
    /// <summary>One event of a batch, as far as trust needs it: its stream and when it was recorded.</summary>
    /// <param name="StreamId">The event's stream.</param>
    /// <param name="RecordedAt">When it was recorded.</param>
    public sealed record Change(string StreamId, DateTimeOffset RecordedAt);

    // Serialises batches and on-demand estimations across processes.
    private const long LockKey = 0x5C0FAC75_00000007;

    /// <summary>Stored reliabilities are rounded to this many decimal places.</summary>
    public const int Decimals = 4;

    // Announces the answers moved weights change; none in a host without messaging.
    private readonly AnswerChangeOutbox? _answerChanges;

    /// <summary>A reliability that moves by more than this is a change: a history row, and its facts reconciled again.</summary>
    public const double ChangeThreshold = 1e-6;

    /// <summary>The estimator's settings: the measured defaults, with copy detection never carried over by a warm start.</summary>
    public static TrustOptions Options { get; } = TrustOptions.Default with { WarmStartCopyGroups = false };

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TrustEstimationSchedule _schedule;
    private readonly TimeProvider _clock;
    private TrustEstimate? _previous;
    // Inputs changed since the last estimation; unknown at start, so assumed.
    private bool _pending = true;
    private DateTimeOffset? _lastEstimation;
    // The count of weight moves (trust_weight_moves) as the last batch saw it; null before the first batch.
    private long? _movesSeen;
    // Database time by which every weight move counted in _movesSeen had committed: a write recorded after it
    // reconciled its fact with the current weights; one recorded before may have used older ones.
    private DateTimeOffset _weightsSettledAt;
    private long _estimations;

    /// <summary>Creates the projection with its schedule settings (the defaults when none are given).</summary>
    public TrustProjection(IOptions<TrustScheduleOptions>? options = null, TimeProvider? clock = null, AnswerChangeOutbox? answerChanges = null)
    {
        _answerChanges = answerChanges;
        _schedule = new TrustEstimationSchedule((options?.Value ?? new TrustScheduleOptions()).EstimateEveryWhileBehind);
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The most recent estimation (for tests and diagnostics).</summary>
    public TrustRun? LastRun { get; private set; }

    /// <summary>Estimations run by this instance, in batches and on demand (for tests and diagnostics).</summary>
    public long Estimations => Interlocked.Read(ref _estimations);

    /// <summary>Takes a batch of events the daemon delivered, through sequence number <paramref name="through"/>.</summary>
    public async Task ApplyAsync(NpgsqlDataSource dataSource, IReadOnlyList<Change> events, long through, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return;
        var factStreams = new SortedSet<string>(StringComparer.Ordinal);
        var sourceStreams = new SortedSet<string>(StringComparer.Ordinal);
        var earliest = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            switch (StreamTypeOf(e.StreamId))
            {
                case "fact":
                    factStreams.Add(e.StreamId);
                    if (!earliest.TryGetValue(e.StreamId, out var at) || e.RecordedAt < at) earliest[e.StreamId] = e.RecordedAt;
                    break;
                case "source": sourceStreams.Add(e.StreamId); break;
            }
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await LockAsync(connection, transaction, cancellationToken);
            // The daemon finishes a batch before it starts the next, and an earlier leader's batch or an on-demand
            // estimation (which take the same lock) committed before this batch could take it: every move
            // counted now has committed by now. Unknown before the first batch, so then assumed.
            var (now, moves) = await MovesAsync(connection, transaction, cancellationToken);
            if (_movesSeen != moves)
            {
                _weightsSettledAt = now;
                _movesSeen = moves;
            }

            // Sources first: a claim in the same batch needs its source's voice.
            _pending |= await TrustInputs.SyncSourcesAsync(connection, transaction, sourceStreams, cancellationToken);
            var (touched, factsChanged) = await TrustInputs.SyncFactsAsync(connection, transaction, factStreams, cancellationToken);
            _pending |= factsChanged;

            // A fact written before the last weight move was committed may have been reconciled with the weights from
            // before it (its write read them first): reconcile it again. One written after saw the current weights.
            var settled = _weightsSettledAt;
            var raced = touched.Where(f => earliest.TryGetValue(Fact.StreamId(f), out var at) && at <= settled).ToList();

            var estimate = _pending && _schedule.ShouldEstimate(_clock.GetUtcNow(),
                await CaughtUpAsync(connection, transaction, through, cancellationToken), _lastEstimation);
            var run = await EstimateAndReconcileAsync(connection, transaction, estimate, cold: false, raced, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            if (estimate) LastRun = run;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Full re-estimation on demand: re-derives every input from the log, estimates from scratch (no warm
    /// start) and reconciles again the facts whose sources' reliabilities moved. Runs in its own transaction,
    /// serialised with the daemon's batches (in any process) by the projection's advisory lock.
    /// </summary>
    public async Task<TrustRun> ReestimateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            TrustRun run;
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                await LockAsync(connection, transaction, cancellationToken);

                await TrustInputs.ResyncAllAsync(connection, transaction, cancellationToken);
                run = await EstimateAndReconcileAsync(connection, transaction, estimate: true, cold: true, [], cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            LastRun = run;
            return run;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Estimates (when asked) and reconciles the facts that need it; a move of any stored weight or copy group is counted.</summary>
    private async Task<TrustRun> EstimateAndReconcileAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, bool estimate,
        bool cold, IReadOnlyCollection<string> racedFacts, CancellationToken cancellationToken)
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
            if (changed > 0 || moved.Count > 0)
            {
                await using var count = new NpgsqlCommand("UPDATE trust_weight_moves SET moves = moves + 1", connection, transaction);
                await count.ExecuteNonQueryAsync(cancellationToken);
            }
            run = run with { Claims = claims.Count, Sources = learned.Count, SourcesChanged = changed, Iterations = result.Iterations, Converged = result.Converged };
            _pending = false;
            _lastEstimation = _clock.GetUtcNow();
            Interlocked.Increment(ref _estimations);
        }

        var facts = await FactsToReconcileAsync(connection, transaction, moved, racedFacts, cancellationToken);
        await FactsProjection.RefreshViewsAsync(connection, transaction, facts, cancellationToken, _answerChanges);
        return run with { FactsReconciled = facts.Count };
    }

    /// <summary>Whether the log holds no committed event after sequence number <paramref name="through"/>.</summary>
    private static async Task<bool> CaughtUpAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long through,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT NOT EXISTS (SELECT 1 FROM mt_events WHERE seq_id > $1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = through });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    private static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string StreamTypeOf(string streamId)
    {
        var dash = streamId.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 ? streamId[..dash] : streamId;
    }

    /// <summary>The database's time and, as committed by then, the count of weight moves.</summary>
    private static async Task<(DateTimeOffset Now, long Moves)> MovesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT clock_timestamp(), moves FROM trust_weight_moves", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (new DateTimeOffset(reader.GetFieldValue<DateTime>(0), TimeSpan.Zero), reader.GetInt64(1));
    }

    /// <summary>In the database's fact_id order, the order the facts projection locks them in too.</summary>
    private static async Task<List<string>> FactsToReconcileAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyCollection<string> movedSources, IReadOnlyCollection<string> racedFacts, CancellationToken cancellationToken)
    {
        var facts = new List<string>();
        if (movedSources.Count == 0 && racedFacts.Count == 0) return facts;
        await using var command = new NpgsqlCommand(
            "SELECT fact_id FROM fact_views WHERE fact_id = ANY($2) " +
            "OR fact_id IN (SELECT fact_id FROM trust_claims WHERE source_id = ANY($1)) ORDER BY fact_id", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = movedSources.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = racedFacts.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) facts.Add(reader.GetString(0));
        return facts;
    }
}
