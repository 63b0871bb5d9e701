using System.Text.Json;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Feed;

/// <summary>One event of the global change feed.</summary>
/// <param name="Cursor">Pass as <c>cursor</c> (or as Last-Event-ID) to continue after this event.</param>
/// <param name="StreamId">The fact or source stream, e.g. fact-sco.founded-on.</param>
/// <param name="Version">The stream's version after the event.</param>
/// <param name="Type">The event type.</param>
/// <param name="Data">The event as stored.</param>
/// <param name="RecordedBy">The principal that caused it.</param>
/// <param name="RecordedAt">When it was recorded.</param>
/// <param name="CorrelationId">The request that caused it.</param>
public sealed record FeedItem(string Cursor, string StreamId, long Version, string Type, JsonElement Data, string RecordedBy,
    DateTimeOffset RecordedAt, string? CorrelationId)
{
    public static FeedItem From(StoredEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(ReadModels.Cursor.Encode(e.FeedPosition.ToString()), e.StreamId, e.StreamVersion, e.EventType,
            JsonDocument.Parse(e.DataJson).RootElement.Clone(), e.Metadata.Principal, e.RecordedAt, e.Metadata.CorrelationId);
    }
}

/// <summary>
/// The global change feed in commit order: gap-free (a late-committing writer is never skipped,
/// it holds the feed back until it ends), as pages or as a Server-Sent Events stream.
/// </summary>
public static class FeedApi
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapFeedApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/feed").WithTags("Feed");
        group.MapGet("/", PageAsync).WithName("ReadFeed")
            .WithSummary("Every event in commit order after a cursor, a page at a time. An empty page with the same cursor means: caught up.")
            .Produces<PageResponse<FeedItem>>().ProducesProblem(StatusCodes.Status400BadRequest)
            .WithExamples(response: AuditExamples.Feed);
        group.MapGet("/stream", StreamAsync).WithName("StreamFeed")
            .WithSummary("The feed as Server-Sent Events; reconnect with Last-Event-ID (or ?cursor=) to resume exactly where you stopped.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithResponseExample(StatusCodes.Status200OK, AuditExamples.FeedStream, "text/event-stream");
        return app;
    }

    private static bool TryPosition(string? cursor, out FeedPosition position)
    {
        position = FeedPosition.Start;
        if (string.IsNullOrEmpty(cursor)) return true;
        return ReadModels.Cursor.TryDecode(cursor, out var text) && FeedPosition.TryParse(text, out position);
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

    private static async Task<IResult> PageAsync(string? cursor, string? after, int? limit, EventStore.EventStore store, CancellationToken cancellationToken)
    {
        if (TryCursor(cursor, after, out var chosen) is { } conflict) return conflict;
        if (WriteSupport.TryPage(limit, null, out var size, out _) is { } badPage) return badPage;
        if (!TryPosition(chosen, out var position))
            return QueryParameters.Bad(cursor is null ? "after" : QueryParameters.Cursor, "The cursor is not a feed cursor this API issued.");
        var page = await store.ReadFeedAsync(position, size, cancellationToken);
        return TypedResults.Ok(new PageResponse<FeedItem>(page.Events.Select(FeedItem.From).ToList(),
            ReadModels.Cursor.Encode(page.Next.ToString())));
    }

    private static async Task StreamAsync(HttpContext context, string? cursor, string? after, EventStore.EventStore store)
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
                var page = await store.ReadFeedAsync(position, 200, aborted);
                foreach (var e in page.Events)
                {
                    var item = FeedItem.From(e);
                    await context.Response.WriteAsync(
                        $"id: {item.Cursor}\nevent: {item.Type}\ndata: {JsonSerializer.Serialize(item, JsonSerializerOptions.Web)}\n\n", aborted);
                }
                position = page.Next;
                if (page.Events.Count > 0)
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
                // Woken at once by appends in this process; other processes' appends are found by polling.
                await store.WaitForAppendAsync(aborted).WaitAsync(Poll, aborted).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away.
        }
    }
}
