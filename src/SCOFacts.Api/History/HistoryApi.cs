using System.Globalization;
using System.Text.Json;
using Npgsql;
using SCOFacts.Api.Application;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain.Facts;

namespace SCOFacts.Api.History;

/// <summary>One recorded change: the event as stored, who made it and why, and the reconciled state right after it.</summary>
/// <param name="Version">The fact stream's version after this event.</param>
/// <param name="Position">The event's position in the log (Marten's sequence number).</param>
/// <param name="Type">The event type, e.g. ClaimDisputed.</param>
/// <param name="Data">The event's stored data.</param>
/// <param name="RecordedBy">The principal that caused it.</param>
/// <param name="RecordedAt">When it was recorded (transaction time).</param>
/// <param name="CorrelationId">The request that caused it.</param>
/// <param name="Reason">The reason given, if any.</param>
/// <param name="Verdict">The fact's verdict right after this event.</param>
/// <param name="Value">The fact's reconciled value right after this event.</param>
/// <param name="Confidence">The confidence right after this event.</param>
/// <param name="Hash">The event's leaf hash in the ledger (SHA-256, hex) once it is sealed; null until then. Its inclusion proof is at
/// <c>/api/ledger/proofs/inclusion?position={Position}</c>.</param>
public sealed record HistoryEntry(
    long Version, string Position, string Type, JsonElement Data, string RecordedBy, DateTimeOffset RecordedAt, string? CorrelationId,
    string? Reason, string Verdict, string? Value, double Confidence, string? Hash);

public static class HistoryApi
{
    public static IEndpointRouteBuilder MapHistoryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/facts/{factId}/history", FactHistoryAsync).WithTags("History").WithName("GetFactHistory")
            .WithSummary("Every event of a fact in order (who, when, why), with the verdict and value that held right after each one.")
            .Produces<PageResponse<HistoryEntry>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: AuditExamples.History);
        app.MapGet("/api/claims/{claimId}/history", ClaimHistoryAsync).WithTags("History").WithName("GetClaimHistory")
            .WithSummary("Every event about one claim in order, with the fact's verdict and value right after each one.")
            .Produces<PageResponse<HistoryEntry>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: AuditExamples.History);
        return app;
    }

    private static async Task<IResult> FactHistoryAsync(string factId, string? cursor, int? limit, FactHistory history, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken)
    {
        if (TryHistoryPage(limit, cursor, out var size, out var after) is { } bad) return bad;
        if (await history.ReplayAsync(factId, cancellationToken) is not { } steps) return Problems.NotFound($"No fact '{factId}'.");
        return TypedResults.Ok(await PageAsync(dataSource, steps, _ => true, after, size, cancellationToken));
    }

    private static async Task<IResult> ClaimHistoryAsync(string claimId, string? cursor, int? limit, FactQueries queries, FactHistory history,
        NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (TryHistoryPage(limit, cursor, out var size, out var after) is { } bad) return bad;
        if (await queries.GetClaimAsync(claimId, cancellationToken) is not { } claim) return Problems.NotFound($"No claim '{claimId}'.");
        var steps = (await history.ReplayAsync(claim.FactId, cancellationToken))!;
        return TypedResults.Ok(await PageAsync(dataSource, steps, s => ClaimIdOf(s.Event.Data) == claimId, after, size, cancellationToken));
    }

    /// <summary>
    /// The page size and the stream version a history cursor holds. Another list's cursor (a fact id, say) is
    /// refused, where it used to restart the history from its first event without a word.
    /// </summary>
    private static IResult? TryHistoryPage(int? limit, string? cursor, out int size, out long after)
    {
        after = 0;
        if (WriteSupport.TryPage(limit, cursor, out size, out var key) is { } bad) return bad;
        if (key is not null && !long.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out after))
            return Problems.Malformed("The cursor is not one this history issued.");
        return null;
    }

    /// <summary>Pages by stream version: the cursor is the last version served.</summary>
    private static async Task<PageResponse<HistoryEntry>> PageAsync(NpgsqlDataSource dataSource, IReadOnlyList<HistoryStep> steps,
        Func<HistoryStep, bool> include, long after, int size, CancellationToken cancellationToken)
    {
        var selected = steps.Where(s => s.Event.StreamVersion > after && include(s)).Take(size + 1).ToList();
        var page = selected.Take(size).ToList();
        var leaves = await LeafHashesAsync(dataSource, page.Select(s => s.Event.GlobalPosition).ToArray(), cancellationToken);
        var items = page.Select(s => Entry(s, leaves.GetValueOrDefault(s.Event.GlobalPosition))).ToList();
        return new(items, selected.Count > size ? Cursor.Encode(items[^1].Version.ToString(CultureInfo.InvariantCulture)) : null);
    }

    private static async Task<Dictionary<long, string>> LeafHashesAsync(NpgsqlDataSource dataSource, long[] positions, CancellationToken cancellationToken)
    {
        var hashes = new Dictionary<long, string>(positions.Length);
        if (positions.Length == 0) return hashes;
        await using var command = dataSource.CreateCommand("SELECT position, leaf_hash FROM ledger_leaves WHERE position = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = positions });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) hashes[reader.GetInt64(0)] = Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(1));
        return hashes;
    }

    private static HistoryEntry Entry(HistoryStep step, string? leafHash)
    {
        var e = step.Event;
        var r = step.ReconciledAfter;
        return new HistoryEntry(e.StreamVersion, e.GlobalPosition.ToString(CultureInfo.InvariantCulture), e.EventType,
            JsonDocument.Parse(e.DataJson).RootElement.Clone(), e.Metadata.Principal, e.RecordedAt, e.Metadata.CorrelationId, e.Metadata.Reason,
            Wire.Name(r.Verdict), r.Value?.Display, Math.Round(r.Confidence, 4), leafHash);
    }

    private static string? ClaimIdOf(object data) => data switch
    {
        ClaimRecorded e => e.ClaimId,
        ClaimDisputed e => e.ClaimId,
        DisputeUpheld e => e.ClaimId,
        DisputeRejected e => e.ClaimId,
        ClaimEndorsed e => e.ClaimId,
        ClaimRetracted e => e.ClaimId,
        ClaimCorrected e => e.ClaimId,
        _ => null,
    };
}
