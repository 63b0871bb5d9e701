using System.ComponentModel.DataAnnotations;
using SCOFacts.Api.Application;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Api.ReadModels;
using SCOFacts.Api.Trust;
using SCOFacts.Domain.Sources;
using SCOFacts.Domain.Values;

namespace SCOFacts.Api.Sources;

/// <summary>Registering a source: the document a claim comes from.</summary>
/// <param name="Id">A readable slug, unique (e.g. xinhua-2025-11-21).</param>
/// <param name="Title">The document's title.</param>
/// <param name="Publisher">Who published it; claims from one publisher count as one voice.</param>
/// <param name="Author">The author, when named.</param>
/// <param name="Url">Where it was published.</param>
/// <param name="PublishedOn">Partial ISO date: 2025, 2025-11 or 2025-11-21.</param>
/// <param name="Kind">news, official, academic or commentary.</param>
/// <param name="Language">ISO language code, e.g. en.</param>
/// <param name="Document">File name of the document text, if archived.</param>
/// <param name="Sha256">SHA-256 of the document's bytes, if archived.</param>
/// <param name="Note">Anything a reader should know (e.g. why there is no date).</param>
public sealed record RegisterSourceRequest(
    string? Id, [property: StringLength(TextLimits.Name)] string? Title, [property: StringLength(TextLimits.Name)] string? Publisher,
    [property: StringLength(TextLimits.Name)] string? Author, [property: StringLength(TextLimits.Name)] string? Url, PartialDate? PublishedOn, string? Kind,
    [property: StringLength(16)] string? Language, [property: StringLength(TextLimits.Name)] string? Document, [property: StringLength(64)] string? Sha256,
    [property: StringLength(TextLimits.Note)] string? Note);

/// <summary>An editor's rating of a source.</summary>
/// <param name="Reliability">0 (never right) to 1 (always right).</param>
/// <param name="Reason">Why this rating.</param>
public sealed record RateSourceRequest(double? Reliability, [property: StringLength(TextLimits.Note)] string? Reason);

public static class SourcesApi
{
    public static RouteGroupBuilder MapSourcesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/sources").WithTags("Sources");

        group.MapGet("/", ListAsync).WithName("ListSources")
            .WithSummary("List sources, by id or by reliability (orderBy=reliability), a page at a time.")
            .Produces<PageResponse<SourceResponse>>().ProducesProblem(StatusCodes.Status400BadRequest)
            .WithExamples(response: ApiExamples.Sources);
        group.MapGet("/{sourceId}", GetAsync).WithName("GetSource")
            .WithSummary("A source with its reliability: the editor's rating, the learned estimate, and which one is used.")
            .Produces<SourceResponse>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: ApiExamples.RatedSource);
        group.MapPost("/", RegisterAsync).WithName("RegisterSource").RequireAuthorization(Policies.Checker)
            .WithSummary("Register a source document.")
            .Produces<SourceResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithExamples(request: ApiExamples.RegisterSource, response: ApiExamples.Source, responseStatus: StatusCodes.Status201Created);
        group.MapPost("/{sourceId}/ratings", RateAsync).WithName("RateSource").RequireAuthorization(Policies.Editor)
            .WithSummary("Rate a source's reliability (editors). Facts citing it are reconciled again at once.")
            .Produces<SourceResponse>().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithExamples(request: ApiExamples.RateSource, response: ApiExamples.RatedSource);
        group.MapSourceDocumentApi();
        return group;
    }

    private static async Task<IResult> ListAsync(FactQueries queries, string? orderBy, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        if (WriteSupport.TryPage(limit, cursor, out var size, out var after) is { } bad) return bad;
        var page = await queries.ListSourcesAsync(orderBy == "reliability", after, size, cancellationToken);
        return TypedResults.Ok(new PageResponse<SourceResponse>(page.Items.Select(SourceResponse.From).ToList(), page.NextCursor));
    }

    private static async Task<IResult> GetAsync(string sourceId, FactQueries queries, TrustQueries trust, HttpContext context, CancellationToken cancellationToken)
    {
        if (await queries.GetSourceAsync(sourceId, cancellationToken) is not { } row) return Problems.NotFound($"No source '{sourceId}'.");
        context.Response.SetETag(row.Version);
        var response = SourceResponse.From(row);
        var history = await trust.HistoryAsync(sourceId, cancellationToken);
        return TypedResults.Ok(response with { Reliability = response.Reliability with { LearnedHistory = history } });
    }

    private static async Task<IResult> RegisterAsync(RegisterSourceRequest request, FactsDesk desk, FactQueries queries, HttpContext context, CancellationToken cancellationToken)
    {
        if (WriteSupport.Missing(("id", request.Id), ("title", request.Title), ("publisher", request.Publisher),
            ("kind", request.Kind), ("language", request.Language)) is { } missing) return missing;
        if (WriteSupport.TooLong(request) is { } tooLong) return tooLong;
        var metadata = context.CreateEventMetadata();
        var command = new RegisterSource(request.Id!, request.Title!, request.Publisher!, request.Author, request.Url, request.PublishedOn,
            request.Kind!, request.Language!, request.Document, request.Sha256, request.Note, metadata.Principal);
        // A second registration of the same id is refused by the decider (409), even in a race.
        // If-Match: "0" asks for a source that does not exist yet; any other version is stale (412).
        return await WriteSupport.WithPreconditionAsync(context, async ifMatch =>
        {
            var result = await desk.RunAsync(command, metadata, ifMatch, cancellationToken);
            if (result.Rejection is { } rejection) return WriteSupport.Problem(rejection);
            var row = await queries.GetSourceAsync(request.Id!, cancellationToken);
            context.Response.SetETag(result.Version);
            return TypedResults.Created($"/api/sources/{request.Id}", SourceResponse.From(row!));
        });
    }

    private static async Task<IResult> RateAsync(string sourceId, RateSourceRequest request, FactsDesk desk, FactQueries queries, HttpContext context, CancellationToken cancellationToken)
    {
        if (WriteSupport.Missing(("reliability", request.Reliability), ("reason", request.Reason)) is { } missing) return missing;
        if (WriteSupport.TooLong(request) is { } tooLong) return tooLong;
        var metadata = context.CreateEventMetadata(request.Reason);
        return await WriteSupport.WithPreconditionAsync(context, async ifMatch =>
        {
            var result = await desk.RunAsync(new RateSource(sourceId, request.Reliability!.Value, request.Reason!, metadata.Principal), metadata, ifMatch, cancellationToken);
            if (result.Rejection is { } rejection) return WriteSupport.Problem(rejection);
            context.Response.SetETag(result.Version);
            return TypedResults.Ok(SourceResponse.From((await queries.GetSourceAsync(sourceId, cancellationToken))!));
        });
    }
}
