using System.Text.Json;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Subscriptions;

/// <summary>Answer changes as Server-Sent Events, from the same <see cref="FactAnswerChanged"/> messages that drive the webhooks.</summary>
public static class FactChangesApi
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    private const string Example =
        "event: fact.answer-changed\nid: 0193c1f6-0b70-7e01-b5a4-3c2d1e0f9a8b\ndata: {\"id\":\"0193c1f6-0b70-7e01-b5a4-3c2d1e0f9a8b\"," +
        "\"factId\":\"sco-development-bank.status\",\"before\":{\"verdict\":\"contested\"},\"after\":{\"verdict\":\"settled\"}}\n\n";

    public static IEndpointRouteBuilder MapFactChangesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/facts/changes", StreamAsync).WithTags("Facts").WithName("StreamFactChanges")
            .WithSummary("Changes of facts' answers (value, verdict or confidence band) as Server-Sent Events, from now on, optionally " +
                "for one subject. Each event carries the answer before and after, as webhook deliveries do.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithResponseExample(StatusCodes.Status200OK, Example, "text/event-stream");
        return app;
    }

    private static async Task StreamAsync(HttpContext context, FactChangeStream stream, string? subject)
    {
        var aborted = context.RequestAborted;
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        await context.Response.WriteAsync(": SCOFacts answer changes\nretry: 2000\n\n", aborted);
        await context.Response.Body.FlushAsync(aborted);
        try
        {
            await using var changes = stream.ListenAsync(aborted).GetAsyncEnumerator(aborted);
            var next = changes.MoveNextAsync().AsTask();
            while (!aborted.IsCancellationRequested)
            {
                if (await Task.WhenAny(next, Task.Delay(Heartbeat, aborted)) != next)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", aborted);
                    await context.Response.Body.FlushAsync(aborted);
                    continue;
                }
                if (!await next) break;
                var change = changes.Current;
                next = changes.MoveNextAsync().AsTask();
                if (subject is not null && change.After.Subject != subject) continue;
                await context.Response.WriteAsync(
                    $"event: fact.answer-changed\nid: {change.Id}\ndata: {JsonSerializer.Serialize(change, ResponseJson.Options)}\n\n", aborted);
                await context.Response.Body.FlushAsync(aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away.
        }
    }
}
