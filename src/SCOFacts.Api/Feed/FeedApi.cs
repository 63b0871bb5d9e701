using System.Globalization;
using System.Text.Json;
using Npgsql;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Api.Storage;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Feed;

/// <summary>One event of the global change feed: one leaf of the ledger.</summary>
/// <param name="Cursor">Pass as <c>cursor</c> (or as Last-Event-ID) to continue after this event.</param>
/// <param name="LeafIndex">The event's leaf index in the ledger: final, and one more than the previous item's.</param>
/// <param name="StreamId">The fact or source stream, e.g. fact-sco.founded-on.</param>
/// <param name="Version">The stream's version after the event.</param>
/// <param name="Type">The event type.</param>
/// <param name="Data">The event as stored.</param>
/// <param name="RecordedBy">The principal that caused it.</param>
/// <param name="RecordedAt">When it was recorded.</param>
/// <param name="CorrelationId">The request that caused it.</param>
public sealed record FeedItem(string Cursor, long LeafIndex, string StreamId, long Version, string Type, JsonElement Data, string RecordedBy,
    DateTimeOffset RecordedAt, string? CorrelationId)
{
    /// <summary>The item for the event sealed as leaf <paramref name="leafIndex"/>.</summary>
    public static FeedItem From(long leafIndex, StoredEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(FeedApi.CursorAfter(leafIndex), leafIndex, e.StreamId, e.StreamVersion, e.EventType,
            JsonDocument.Parse(e.DataJson).RootElement.Clone(), e.Metadata.Principal, e.RecordedAt, e.Metadata.CorrelationId);
    }
}

/// <summary>
/// The global change feed: the sealed log, in leaf order. Positions are leaf indexes, so the feed is final and
/// gap-free (an event is served once the ledger has sealed it, and a late-committing writer's event is sealed in the
/// order the daemon delivers it, never skipped), as pages or as a Server-Sent Events stream.
/// </summary>
public static class FeedApi
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapFeedApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/feed").WithTags("Feed");
        group.MapGet("/", PageAsync).WithName("ReadFeed")
            .WithSummary("Every sealed event in leaf order after a cursor, a page at a time. An empty page with the same cursor means: caught up.")
            .Produces<PageResponse<FeedItem>>().ProducesProblem(StatusCodes.Status400BadRequest)
            .WithExamples(response: AuditExamples.Feed);
        group.MapGet("/stream", StreamAsync).WithName("StreamFeed")
            .WithSummary("The feed as Server-Sent Events; reconnect with Last-Event-ID (or ?cursor=) to resume exactly where you stopped.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithResponseExample(StatusCodes.Status200OK, AuditExamples.FeedStream, "text/event-stream");
        return app;
    }

    private const string CursorPrefix = "leaf:";

    /// <summary>The cursor that continues after leaf <paramref name="leafIndex"/>.</summary>
    internal static string CursorAfter(long leafIndex) =>
        ReadModels.Cursor.Encode(CursorPrefix + (leafIndex + 1).ToString(CultureInfo.InvariantCulture));

    // The cursor holds the next leaf index to serve.
    private static bool TryPosition(string? cursor, out long position)
    {
        position = 0;
        if (string.IsNullOrEmpty(cursor)) return true;
        return ReadModels.Cursor.TryDecode(cursor, out var text) && text is not null && text.StartsWith(CursorPrefix, StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(CursorPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out position);
    }

    private static string CursorAt(long position) =>
        ReadModels.Cursor.Encode(CursorPrefix + position.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// The cursor that follows the event at <paramref name="position"/>: after its leaf once it is sealed, else after
    /// every leaf sealed so far (the event itself is then still to come).
    /// </summary>
    internal static async Task<string> CursorFollowingAsync(NpgsqlDataSource dataSource, long position, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT coalesce((SELECT leaf_index + 1 FROM ledger_leaves WHERE position = $1), (SELECT coalesce(max(leaf_index) + 1, 0) FROM ledger_leaves))");
        command.Parameters.Add(new NpgsqlParameter { Value = position });
        return CursorAt((long)(await command.ExecuteScalarAsync(cancellationToken))!);
    }

    /// <summary>Sealed leaves from <paramref name="from"/> on, with their events.</summary>
    private static async Task<List<FeedItem>> ReadAsync(NpgsqlDataSource dataSource, long from, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT e.{ScoFactsEvents.EventColumns.Replace(", ", ", e.", StringComparison.Ordinal)}, l.leaf_index " +
            "FROM ledger_leaves l JOIN mt_events e ON e.seq_id = l.position WHERE l.leaf_index >= $1 ORDER BY l.leaf_index LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var items = new List<FeedItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            items.Add(FeedItem.From(reader.GetInt64(10), ScoFactsEvents.ReadEvent(reader)));
        return items;
    }

    /// <summary>
    /// The feed pages with <c>cursor</c> and <c>limit</c> like every list. It once used <c>after</c>, which still
    /// works as a deprecated alias; both at once must agree.
    /// </summary>
    private static IResult? TryCursor(string? cursor, string? after, out string? chosen)
    {
        chosen = cursor ?? after;
        if (cursor is not null && after is not null && cursor != after)
            return QueryParameters.Bad("after", "'after' is the old name of 'cursor'; send only 'cursor'.");
        return null;
    }

    private static async Task<IResult> PageAsync(string? cursor, string? after, int? limit, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (TryCursor(cursor, after, out var chosen) is { } conflict) return conflict;
        if (WriteSupport.TryPage(limit, null, out var size, out _) is { } badPage) return badPage;
        if (!TryPosition(chosen, out var position))
            return QueryParameters.Bad(cursor is null ? "after" : QueryParameters.Cursor, "The cursor is not a feed cursor this API issued.");
        var items = await ReadAsync(dataSource, position, size, cancellationToken);
        return TypedResults.Ok(new PageResponse<FeedItem>(items, items.Count > 0 ? items[^1].Cursor : CursorAt(position)));
    }

    private static async Task StreamAsync(HttpContext context, string? cursor, string? after, NpgsqlDataSource dataSource)
    {
        if (TryCursor(cursor, after, out var chosen) is { } conflict)
        {
            await conflict.ExecuteAsync(context);
            return;
        }
        var resume = context.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? chosen;
        if (!TryPosition(resume, out var position))
        {
            await QueryParameters.Bad(QueryParameters.Cursor, "Last-Event-ID / cursor is not a feed cursor this API issued.").ExecuteAsync(context);
            return;
        }
        var aborted = context.RequestAborted;
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        await context.Response.WriteAsync(": SCOFacts change feed\nretry: 2000\n\n", aborted);
        await context.Response.Body.FlushAsync(aborted);

        var quietSince = DateTimeOffset.UtcNow;
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                var items = await ReadAsync(dataSource, position, 200, aborted);
                foreach (var item in items)
                {
                    await context.Response.WriteAsync(
                        $"id: {item.Cursor}\nevent: {item.Type}\ndata: {JsonSerializer.Serialize(item, JsonSerializerOptions.Web)}\n\n", aborted);
                }
                if (items.Count > 0) position = items[^1].LeafIndex + 1;
                if (items.Count > 0)
                {
                    await context.Response.Body.FlushAsync(aborted);
                    quietSince = DateTimeOffset.UtcNow;
                    continue;
                }
                if (DateTimeOffset.UtcNow - quietSince > Heartbeat)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", aborted);
                    await context.Response.Body.FlushAsync(aborted);
                    quietSince = DateTimeOffset.UtcNow;
                }
                // Leaves are sealed by the daemon on whichever node holds its shard, so the ledger is polled.
                await Task.Delay(Poll, aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away.
        }
    }
}
