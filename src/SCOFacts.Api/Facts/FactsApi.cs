using SCOFacts.Api.Application;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain.Facts;

namespace SCOFacts.Api.Facts;

/// <summary>Defining a fact: what is being tracked, and how its values are compared.</summary>
/// <param name="Id">A slug: lower-case words, dots and hyphens (e.g. sco.population-share-of-world).</param>
/// <param name="Subject">What the fact is about (e.g. sco).</param>
/// <param name="Property">Which property of it (e.g. population-share-of-world).</param>
/// <param name="Qualifiers">Extra keys that make it precise (e.g. { "state": "india" }).</param>
/// <param name="ValueType">quantity, date, status, entity, boolean or text.</param>
/// <param name="Unit">For quantities: the unit claims are compared in (percent, year, km2, …).</param>
/// <param name="AllowedStatuses">For status facts: the fixed set of statuses.</param>
/// <param name="Description">One sentence for readers.</param>
public sealed record DefineFactRequest(
    string? Id, string? Subject, string? Property, Dictionary<string, string>? Qualifiers, string? ValueType, string? Unit,
    List<string>? AllowedStatuses, [property: System.ComponentModel.DataAnnotations.StringLength(TextLimits.Note)] string? Description);

public static class FactsApi
{
    public static RouteGroupBuilder MapFactsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/facts").WithTags("Facts");
        group.MapGet("/", ListAsync).WithName("ListFacts")
            .WithSummary("List reconciled facts, filtered by subject, property, verdict or source; optionally as of validAt and knownAt.")
            .Produces<PageResponse<FactSummary>>().ProducesProblem(StatusCodes.Status400BadRequest)
            .WithExamples(response: ApiExamples.Facts);
        group.MapGet("/{factId}", GetAsync).WithName("GetFact")
            .WithSummary("A reconciled fact: value, verdict, confidence, the claims for and against, and an explanation.")
            .Produces<FactResponse>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: ApiExamples.Fact);
        group.MapGet("/{factId}/claims", ClaimsAsync).WithName("ListFactClaims")
            .WithSummary("Every claim recorded about a fact, in the order recorded, with its status.")
            .Produces<PageResponse<ClaimResponse>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: ApiExamples.FactClaims);
        group.MapPost("/", DefineAsync).WithName("DefineFact").RequireAuthorization(Policies.Editor)
            .WithSummary("Define a fact to track (editors).")
            .Produces<FactResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithExamples(request: ApiExamples.DefineFact, response: ApiExamples.NewFact, responseStatus: StatusCodes.Status201Created);

        app.MapGet("/api/subjects/{subject}", SubjectAsync).WithTags("Facts").WithName("GetSubject")
            .WithSummary("All facts about one subject, reconciled; optionally as of validAt and knownAt.")
            .Produces<PageResponse<FactSummary>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: ApiExamples.Subject);
        return group;
    }

    private static async Task<IResult> ListAsync(FactQueries queries, FactReader reader, string? subject, string? property, string? verdict,
        string? source, string? validAt, string? knownAt, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        if (WriteSupport.TryPage(limit, cursor, out var size, out var after) is { } badPage) return badPage;
        if (WriteSupport.TryTimeAxes(validAt, knownAt, out var valid, out var known) is { } badTime) return badTime;
        return TypedResults.Ok(await ListAsOfAsync(queries, reader, new FactFilter(subject, property, verdict, source), valid, known, after, size, cancellationToken));
    }

    /// <summary>
    /// Without time axes the list is the fact_views index. With them, each fact on the page is
    /// reconciled as of those axes, and a verdict filter applies to that answer: the scan walks
    /// the index until the page is full.
    /// </summary>
    internal static async Task<PageResponse<FactSummary>> ListAsOfAsync(FactQueries queries, FactReader reader, FactFilter filter,
        DateOnly? validAt, DateTimeOffset? knownAt, string? after, int size, CancellationToken cancellationToken)
    {
        if (validAt is null && knownAt is null)
        {
            var page = await queries.ListFactsAsync(filter, after, size, cancellationToken);
            return new(page.Items.Select(FactSummary.From).ToList(), page.NextCursor);
        }

        // Each fact is folded and reconciled as of the axes, so the scan is bounded per request;
        // a short page with a cursor means "keep going".
        const int maxScanned = 500;
        var items = new List<FactSummary>();
        var scanFilter = filter with { Verdict = null };
        var next = after;
        var scanned = 0;
        var exhausted = false;
        while (items.Count < size && !exhausted && scanned < maxScanned)
        {
            var page = await queries.ListFactsAsync(scanFilter, next, size, cancellationToken);
            foreach (var row in page.Items)
            {
                next = row.FactId;
                scanned++;
                if (await reader.GetAsync(row.FactId, validAt, knownAt, cancellationToken) is { } snapshot)
                {
                    var summary = FactSummary.From(snapshot);
                    if (filter.Verdict is null || summary.Verdict == filter.Verdict) items.Add(summary);
                }
                if (items.Count == size) break;
            }
            exhausted = page.NextCursor is null && (page.Items.Count == 0 || next == page.Items[^1].FactId);
        }
        return new(items, exhausted || next is null ? null : Cursor.Encode(next));
    }

    private static async Task<IResult> GetAsync(string factId, string? validAt, string? knownAt, FactReader reader, HttpContext context, CancellationToken cancellationToken)
    {
        if (WriteSupport.TryTimeAxes(validAt, knownAt, out var valid, out var known) is { } bad) return bad;
        // Now, on any valid day: the stored answer, written as stored. As known at a moment: folded and reconciled.
        if (known is null && await reader.StoredAsync(factId, valid, cancellationToken) is { } stored)
        {
            context.Response.SetKnownRepresentation(stored.ETag);
            return TypedResults.Bytes(stored.Body, StoredAnswers.ContentType);
        }
        if (await reader.GetAsync(factId, valid, known, cancellationToken) is not { } snapshot)
            return Problems.NotFound(known is null ? $"No fact '{factId}'." : $"No fact '{factId}' was known at {known:O}.");
        context.Response.SetETag(snapshot.Version);
        return TypedResults.Ok(FactResponse.From(snapshot));
    }

    private static async Task<IResult> ClaimsAsync(string factId, string? knownAt, string? cursor, int? limit, FactReader reader, HttpContext context,
        CancellationToken cancellationToken)
    {
        if (WriteSupport.TryPage(limit, cursor, out var size, out var after) is { } badPage) return badPage;
        if (WriteSupport.TryTimeAxes(null, knownAt, out _, out var known) is { } bad) return bad;
        if (await reader.LoadAsync(factId, known, cancellationToken) is not { } loaded) return Problems.NotFound($"No fact '{factId}'.");
        context.Response.SetETag(loaded.Version);
        // Claims keep the order they were recorded in; the cursor is the last claim id served.
        var claims = loaded.State.ClaimsInOrder.ToList();
        var start = after is null ? 0 : claims.FindIndex(c => c.ClaimId == after) + 1;
        var page = claims.Skip(start).Take(size + 1).ToList();
        var items = page.Take(size).Select(c => ClaimResponse.From(factId, c, loaded.Sources)).ToList();
        return TypedResults.Ok(new PageResponse<ClaimResponse>(items, page.Count > size ? Cursor.Encode(items[^1].Id) : null));
    }

    private static async Task<IResult> SubjectAsync(string subject, string? validAt, string? knownAt, string? cursor, int? limit,
        FactQueries queries, FactReader reader, CancellationToken cancellationToken)
    {
        if (WriteSupport.TryPage(limit, cursor, out var size, out var after) is { } badPage) return badPage;
        if (WriteSupport.TryTimeAxes(validAt, knownAt, out var valid, out var known) is { } badTime) return badTime;
        var page = await ListAsOfAsync(queries, reader, new FactFilter(Subject: subject), valid, known, after, size, cancellationToken);
        return page.Items.Count == 0 && after is null ? Problems.NotFound($"No facts about '{subject}'.") : TypedResults.Ok(page);
    }

    private static async Task<IResult> DefineAsync(DefineFactRequest request, FactsDesk desk, FactReader reader, HttpContext context, CancellationToken cancellationToken)
    {
        if (WriteSupport.Missing(("id", request.Id), ("subject", request.Subject), ("property", request.Property),
            ("valueType", request.ValueType), ("description", request.Description)) is { } missing) return missing;
        if (WriteSupport.TooLong(request) is { } tooLong) return tooLong;
        var metadata = context.CreateEventMetadata();
        var command = new DefineFact(request.Id!, request.Subject!, request.Property!, request.Qualifiers, request.ValueType!, request.Unit,
            request.AllowedStatuses, request.Description!, metadata.Principal);
        // If-Match: "0" asks for a fact that does not exist yet; any other version is stale (412).
        return await WriteSupport.WithPreconditionAsync(context, async ifMatch =>
        {
            var result = await desk.RunAsync(command, metadata, ifMatch, cancellationToken);
            if (result.Rejection is { } rejection) return WriteSupport.Problem(rejection);
            var snapshot = (await reader.GetAsync(request.Id!, null, null, cancellationToken))!;
            context.Response.SetETag(snapshot.Version);
            return TypedResults.Created($"/api/facts/{request.Id}", FactResponse.From(snapshot));
        });
    }
}
