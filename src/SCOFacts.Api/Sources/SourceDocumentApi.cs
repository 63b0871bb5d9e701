using SCOFacts.Api.Storage;
using SCOFacts.Api.Application;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;

namespace SCOFacts.Api.Sources;

/// <summary>Where one claim's quote sits in its source's document.</summary>
/// <param name="ClaimId">The claim.</param>
/// <param name="FactId">The fact it is about.</param>
/// <param name="Quote">The quote as recorded.</param>
/// <param name="Verbatim">False for a claim recorded before the document was attached whose quote the text does not hold.</param>
/// <param name="Offset">UTF-16 offset of the quote in <c>text</c> (null when not verbatim).</param>
/// <param name="Length">UTF-16 length of the quote.</param>
/// <param name="Paragraph">1-based non-empty line the quote starts in.</param>
/// <param name="Status">The claim's status: active, disputed, excluded or retracted.</param>
public sealed record QuoteOffsetsResponse(string ClaimId, string FactId, string Quote, bool Verbatim, int? Offset, int? Length, int? Paragraph, string Status);

/// <summary>A source's document: its text, digest, and where every claim citing the source quotes it.</summary>
/// <param name="SourceId">The source.</param>
/// <param name="Sha256">SHA-256 of the text's UTF-8 bytes, lower-case hex.</param>
/// <param name="Length">The text's length in UTF-16 code units, the unit of every offset.</param>
/// <param name="AttachedBy">Who attached it.</param>
/// <param name="AttachedAt">When it was attached.</param>
/// <param name="Text">The document's text.</param>
/// <param name="Quotes">Every claim's quote, in document order (quotes not found last).</param>
public sealed record SourceDocumentResponse(string SourceId, string Sha256, int Length, string AttachedBy, DateTimeOffset AttachedAt, string Text,
    IReadOnlyList<QuoteOffsetsResponse> Quotes);

/// <summary>A source's document: attaching its text, and reading it with the claims' quotes as offsets.</summary>
public static class SourceDocumentApi
{
    /// <summary>The media type the document is sent in.</summary>
    public const string TextPlain = "text/plain";

    public static RouteGroupBuilder MapSourceDocumentApi(this RouteGroupBuilder sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        sources.MapPut("/{sourceId}/document", PutAsync).WithName("PutSourceDocument").RequireAuthorization(Policies.Checker)
            .WithSummary("Attach the source's document (checkers): its text as text/plain UTF-8. From then on every claim citing the source must quote it verbatim.")
            .WithDescription("The text is stored with its SHA-256 as an event on the source's stream. It must match the digest the source was registered with, " +
                "if any. Sending the same text again changes nothing (200); a different text is refused (409): claims were checked against the first.")
            .Accepts<string>(TextPlain)
            .Produces<SourceDocumentResponse>(StatusCodes.Status201Created).Produces<SourceDocumentResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithExamples(response: ApiExamples.SourceDocument, responseStatus: StatusCodes.Status201Created)
            .WithExamples(response: ApiExamples.SourceDocument);
        sources.MapGet("/{sourceId}/document", GetAsync).WithName("GetSourceDocument")
            .WithSummary("The source's document text, with every claim's quote as UTF-16 offsets into it (the locator convention of docs/seed-format.md).")
            .Produces<SourceDocumentResponse>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: ApiExamples.SourceDocument);
        return sources;
    }

    private static async Task<IResult> PutAsync(string sourceId, HttpContext context, FactsDesk desk, SourceDocuments documents, ScoFactsEvents store,
        CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.ContentType is not { } type || !type.StartsWith(TextPlain, StringComparison.OrdinalIgnoreCase))
            return Problems.Of(ProblemKinds.UnsupportedMediaType, "Send the document as text/plain (UTF-8).");
        if (await WriteSupport.ReadUtf8BodyAsync(request, cancellationToken) is not { } text)
            return Problems.Malformed("The document is not valid UTF-8.");

        // Sending the attached text again is a no-op answered 200; the first attachment is 201.
        var before = await documents.GetAsync(sourceId, cancellationToken);
        var metadata = context.CreateEventMetadata();
        return await WriteSupport.WithPreconditionAsync(context, async ifMatch =>
        {
            var result = await desk.RunAsync(new AttachSourceDocument(sourceId, text, metadata.Principal), metadata, ifMatch, cancellationToken);
            if (result.Rejection is { } rejection) return WriteSupport.Problem(rejection);
            context.Response.SetETag(result.Version);
            var body = await ReadAsync(sourceId, documents, store, cancellationToken);
            return before is null && !result.Duplicate ? TypedResults.Created($"/api/sources/{sourceId}/document", body) : TypedResults.Ok(body);
        });
    }

    private static async Task<IResult> GetAsync(string sourceId, SourceDocuments documents, FactQueries queries, ScoFactsEvents store,
        CancellationToken cancellationToken)
    {
        if (await queries.GetSourceAsync(sourceId, cancellationToken) is null) return Problems.NotFound($"No source '{sourceId}'.");
        return await ReadAsync(sourceId, documents, store, cancellationToken) is { } body
            ? TypedResults.Ok(body)
            : Problems.NotFound($"Source '{sourceId}' has no document yet: PUT its text to /api/sources/{sourceId}/document.");
    }

    private static async Task<SourceDocumentResponse?> ReadAsync(string sourceId, SourceDocuments documents, ScoFactsEvents store,
        CancellationToken cancellationToken)
    {
        if (await documents.GetAsync(sourceId, cancellationToken) is not { } stored) return null;
        var quotes = new List<QuoteOffsetsResponse>();
        foreach (var factId in await documents.FactsCitingAsync(sourceId, cancellationToken))
        {
            var (fact, _) = await store.AggregateStreamAsync(Fact.StreamId(factId), Fact.Initial, (s, e) => Fact.Evolve(s, e.Data),
                cancellationToken: cancellationToken);
            foreach (var claim in fact.ClaimsInOrder.Where(c => c.SourceId == sourceId))
            {
                var check = stored.Document.Check(claim.Quote, claim.Locator);
                // A quote recorded before the document, with a locator that points elsewhere, is still shown where it is.
                var at = check.Location;
                quotes.Add(new QuoteOffsetsResponse(claim.ClaimId, factId, claim.Quote, at is not null, at?.Offset, at?.Length, at?.Paragraph,
                    Wire.ClaimStatus(claim)));
            }
        }
        var ordered = quotes.OrderBy(q => q.Offset ?? int.MaxValue).ThenBy(q => q.ClaimId, StringComparer.Ordinal).ToList();
        var d = stored.Document;
        return new SourceDocumentResponse(sourceId, d.Sha256, d.Length, stored.AttachedBy, stored.AttachedAt, d.Text, ordered);
    }
}
