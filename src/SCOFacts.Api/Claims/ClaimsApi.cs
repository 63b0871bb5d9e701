using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using SCOFacts.Api.Application;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Values;

namespace SCOFacts.Api.Claims;

/// <summary>Recording a claim: source S says the fact has value V, valid at time T, in these words.</summary>
/// <param name="Id">Optional client-chosen claim id (a slug); one is generated when absent.</param>
/// <param name="SourceId">The registered source making the claim.</param>
/// <param name="Value">The value as the source gave it, with its own precision and approximation.</param>
/// <param name="ValidTime">When the value held in the world: { "at": "2017" } or { "from": "2017-06", "to": "2025" }.</param>
/// <param name="Quote">The verbatim words of the source.</param>
/// <param name="Locator">Where the quote is: paragraph and/or character offset.</param>
/// <param name="Note">The checker's note.</param>
public sealed record RecordClaimRequest(string? Id, string? SourceId, [property: JsonConverter(typeof(ClaimValueJsonConverter))] ClaimValue? Value, ValidTime? ValidTime,
    [property: StringLength(TextLimits.Quote)] string? Quote, Locator? Locator, [property: StringLength(TextLimits.Note)] string? Note);

/// <summary>Disputing a claim, ideally with counter-evidence from another source.</summary>
/// <param name="Id">Optional client-chosen dispute id; generated when absent.</param>
/// <param name="Reason">Why the claim is doubted.</param>
/// <param name="CounterEvidence">Another source's words that contradict it.</param>
public sealed record DisputeClaimRequest(string? Id, [property: StringLength(TextLimits.Note)] string? Reason, CounterEvidence? CounterEvidence);

/// <summary>An editor's ruling on a dispute.</summary>
/// <param name="Outcome">upheld (the claim is excluded from reconciliation) or rejected (it stands).</param>
/// <param name="Note">The editor's reasoning.</param>
public sealed record ResolveDisputeRequest(string? Outcome, [property: StringLength(TextLimits.Note)] string? Note);

/// <summary>A checker vouching for a claim after checking it.</summary>
/// <param name="Note">What was checked, and against what.</param>
public sealed record EndorseClaimRequest([property: StringLength(TextLimits.Note)] string? Note);

/// <summary>An editor withdrawing a claim from reconciliation.</summary>
/// <param name="Reason">Why the claim no longer counts (recorded from the wrong document, say).</param>
public sealed record RetractClaimRequest([property: StringLength(TextLimits.Note)] string? Reason);

/// <summary>Fixing a recording error: the value the source actually gave.</summary>
/// <param name="Value">The value as the source gave it; of the fact's value type.</param>
/// <param name="Reason">What was wrong with the recorded value.</param>
public sealed record CorrectClaimRequest([property: JsonConverter(typeof(ClaimValueJsonConverter))] ClaimValue? Value, [property: StringLength(TextLimits.Note)] string? Reason);

public static class ClaimsApi
{
    public static RouteGroupBuilder MapClaimsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/facts/{factId}/claims", RecordAsync).WithTags("Claims").WithName("RecordClaim")
            .RequireAuthorization(Policies.Checker)
            .WithSummary("Record a claim about a fact (checkers). The fact's reconciliation updates in the same transaction.")
            .Produces<ClaimResponse>(StatusCodes.Status201Created).ProducesWriteProblems()
            .WithExamples(request: ApiExamples.RecordClaim, response: ApiExamples.Claim, responseStatus: StatusCodes.Status201Created);

        var group = app.MapGroup("/api/claims/{claimId}").WithTags("Claims");
        group.MapGet("/", GetAsync).WithName("GetClaim").WithSummary("A claim with its disputes, endorsements and status.")
            .Produces<ClaimResponse>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: ApiExamples.DisputedClaim);
        group.MapPost("/disputes", DisputeAsync).WithName("DisputeClaim").RequireAuthorization(Policies.Checker)
            .WithSummary("Dispute a claim, with a reason and optional counter-evidence (checkers).")
            .Produces<ClaimResponse>(StatusCodes.Status201Created).ProducesWriteProblems()
            .WithExamples(request: ApiExamples.DisputeClaim, response: ApiExamples.DisputedClaim, responseStatus: StatusCodes.Status201Created);
        group.MapPost("/disputes/{disputeId}/resolution", ResolveAsync).WithName("ResolveDispute").RequireAuthorization(Policies.Editor)
            .WithSummary("Uphold or reject a dispute (editors). An upheld dispute excludes the claim.")
            .Produces<ClaimResponse>().ProducesWriteProblems()
            .WithExamples(request: ApiExamples.ResolveDispute, response: ApiExamples.ExcludedClaim);
        group.MapPost("/endorsements", EndorseAsync).WithName("EndorseClaim").RequireAuthorization(Policies.Checker)
            .WithSummary("Endorse a claim after checking it (checkers).")
            .Produces<ClaimResponse>().ProducesWriteProblems()
            .WithExamples(request: ApiExamples.EndorseClaim, response: ApiExamples.EndorsedClaim);
        group.MapPost("/retraction", RetractAsync).WithName("RetractClaim").RequireAuthorization(Policies.Editor)
            .WithSummary("Retract a claim (editors): it no longer counts.")
            .Produces<ClaimResponse>().ProducesWriteProblems()
            .WithExamples(request: ApiExamples.RetractClaim, response: ApiExamples.RetractedClaim);
        group.MapPost("/corrections", CorrectAsync).WithName("CorrectClaim").RequireAuthorization(Policies.Editor)
            .WithSummary("Correct a recording error in a claim's value (editors).")
            .Produces<ClaimResponse>().ProducesWriteProblems()
            .WithExamples(request: ApiExamples.CorrectClaim, response: ApiExamples.CorrectedClaim);
        return group;
    }

    private static async Task<IResult> GetAsync(string claimId, string? knownAt, FactQueries queries, FactReader reader, HttpContext context, CancellationToken cancellationToken)
    {
        if (WriteSupport.TryTimeAxes(null, knownAt, out _, out var known) is { } bad) return bad;
        if (await queries.GetClaimAsync(claimId, cancellationToken) is not { } row) return Problems.NotFound($"No claim '{claimId}'.");
        if (await reader.LoadAsync(row.FactId, known, cancellationToken) is not { } loaded || !loaded.State.Claims.TryGetValue(claimId, out var claim))
            return Problems.NotFound($"Claim '{claimId}' was not recorded yet at {known:O}.");
        context.Response.SetETag(loaded.Version);
        return TypedResults.Ok(ClaimResponse.From(row.FactId, claim, loaded.Sources));
    }

    private static async Task<IResult> RecordAsync(string factId, RecordClaimRequest request, FactsDesk desk, FactQueries queries, FactReader reader,
        HttpContext context, CancellationToken cancellationToken)
    {
        if (WriteSupport.Missing(("sourceId", request.SourceId), ("value", request.Value), ("validTime", request.ValidTime), ("quote", request.Quote)) is { } missing)
            return missing;
        if (WriteSupport.TooLong(request) is { } tooLong) return tooLong;
        // {} would make the claim valid at every date: a claim says when its value held.
        if (request.ValidTime == ValidTime.Always)
            return Problems.Validation("validTime", "'validTime' needs \"at\", or \"from\" and/or \"to\".");
        // Claim ids are unique across facts (a claim's URL names no fact), but the fact's decider sees only its own stream.
        if (!string.IsNullOrWhiteSpace(request.Id) && await queries.GetClaimAsync(request.Id, cancellationToken) is { } taken && taken.FactId != factId)
            return WriteSupport.Problem(Rejection.Conflict("claim-exists", $"Claim id '{request.Id}' is already used in fact '{taken.FactId}'."));
        var claimId = string.IsNullOrWhiteSpace(request.Id) ? WriteSupport.NewId("clm") : request.Id;
        return await RunAsync(context, desk, reader, factId, claimId, created: true,
            principal => new RecordClaim(factId, claimId, request.SourceId!, request.Value!, request.ValidTime!, request.Quote!,
                request.Locator, request.Note, principal), null, cancellationToken);
    }

    private static async Task<IResult> DisputeAsync(string claimId, DisputeClaimRequest request, FactsDesk desk, FactQueries queries, FactReader reader,
        HttpContext context, CancellationToken cancellationToken)
    {
        if (WriteSupport.Missing(("reason", request.Reason)) is { } missing) return missing;
        if (WriteSupport.TooLong(request) is { } tooLong) return tooLong;
        if (request.CounterEvidence?.Quote is { Length: > TextLimits.Quote } evidence)
            return Problems.Validation("counterEvidence.quote", $"'counterEvidence.quote' may hold at most {TextLimits.Quote} characters; it has {evidence.Length}.");
        if (await queries.GetClaimAsync(claimId, cancellationToken) is not { } row) return Problems.NotFound($"No claim '{claimId}'.");
        var disputeId = string.IsNullOrWhiteSpace(request.Id) ? WriteSupport.NewId("dsp") : request.Id;
        return await RunAsync(context, desk, reader, row.FactId, claimId, created: true,
            principal => new DisputeClaim(row.FactId, claimId, disputeId, request.Reason!, request.CounterEvidence, principal), request.Reason,
            cancellationToken, location: $"/api/claims/{claimId}#dispute-{disputeId}");
    }

    private static async Task<IResult> ResolveAsync(string claimId, string disputeId, ResolveDisputeRequest request, FactsDesk desk, FactQueries queries,
        FactReader reader, HttpContext context, CancellationToken cancellationToken)
    {
        if (WriteSupport.Missing(("outcome", request.Outcome)) is { } missing) return missing;
        if (WriteSupport.TooLong(request) is { } tooLong) return tooLong;
        if (request.Outcome is not ("upheld" or "rejected"))
            return WriteSupport.Problem(Rejection.Validation("bad-outcome", "outcome must be 'upheld' or 'rejected'."));
        if (await queries.GetClaimAsync(claimId, cancellationToken) is not { } row) return Problems.NotFound($"No claim '{claimId}'.");
        return await RunAsync(context, desk, reader, row.FactId, claimId, created: false,
            principal => request.Outcome == "upheld"
                ? new UpholdDispute(row.FactId, claimId, disputeId, principal, request.Note)
                : new RejectDispute(row.FactId, claimId, disputeId, principal, request.Note), request.Note, cancellationToken);
    }

    private static async Task<IResult> EndorseAsync(string claimId, EndorseClaimRequest? request, FactsDesk desk, FactQueries queries, FactReader reader,
        HttpContext context, CancellationToken cancellationToken)
    {
        // No body is an endorsement without a note; a body of JSON null is a mistake, not an empty note.
        if (request is null && context.Request.ContentLength > 0)
            return Problems.Malformed("The body must be an object such as { \"note\": \"...\" }, or absent.");
        if (request is not null && WriteSupport.TooLong(request) is { } tooLong) return tooLong;
        if (await queries.GetClaimAsync(claimId, cancellationToken) is not { } row) return Problems.NotFound($"No claim '{claimId}'.");
        return await RunAsync(context, desk, reader, row.FactId, claimId, created: false,
            principal => new EndorseClaim(row.FactId, claimId, principal, request?.Note), request?.Note, cancellationToken);
    }

    private static async Task<IResult> RetractAsync(string claimId, RetractClaimRequest request, FactsDesk desk, FactQueries queries, FactReader reader,
        HttpContext context, CancellationToken cancellationToken)
    {
        if (WriteSupport.Missing(("reason", request.Reason)) is { } missing) return missing;
        if (WriteSupport.TooLong(request) is { } tooLong) return tooLong;
        if (await queries.GetClaimAsync(claimId, cancellationToken) is not { } row) return Problems.NotFound($"No claim '{claimId}'.");
        return await RunAsync(context, desk, reader, row.FactId, claimId, created: false,
            principal => new RetractClaim(row.FactId, claimId, principal, request.Reason!), request.Reason, cancellationToken);
    }

    private static async Task<IResult> CorrectAsync(string claimId, CorrectClaimRequest request, FactsDesk desk, FactQueries queries, FactReader reader,
        HttpContext context, CancellationToken cancellationToken)
    {
        if (WriteSupport.Missing(("value", request.Value), ("reason", request.Reason)) is { } missing) return missing;
        if (WriteSupport.TooLong(request) is { } tooLong) return tooLong;
        if (await queries.GetClaimAsync(claimId, cancellationToken) is not { } row) return Problems.NotFound($"No claim '{claimId}'.");
        return await RunAsync(context, desk, reader, row.FactId, claimId, created: false,
            principal => new CorrectClaim(row.FactId, claimId, request.Value!, principal, request.Reason!), request.Reason, cancellationToken);
    }

    /// <summary>Runs a fact command for a claim endpoint and answers with the claim as it now stands.</summary>
    private static async Task<IResult> RunAsync(HttpContext context, FactsDesk desk, FactReader reader, string factId, string claimId, bool created,
        Func<string, IFactCommand> command, string? reason, CancellationToken cancellationToken, string? location = null)
    {
        var metadata = context.CreateEventMetadata(reason);
        return await WriteSupport.WithPreconditionAsync(context, async ifMatch =>
        {
            var result = await desk.RunAsync(command(metadata.Principal), metadata, ifMatch, cancellationToken);
            if (result.Rejection is { } rejection) return WriteSupport.Problem(rejection);
            // The state the command left, not the stream replayed again: only the claim's own source is read.
            var claim = result.State.Claims[claimId];
            var (sources, _) = await reader.SourcesAsync([claim.SourceId], null, cancellationToken);
            context.Response.SetETag(result.Version);
            var body = ClaimResponse.From(factId, claim, sources);
            return created ? TypedResults.Created(location ?? $"/api/claims/{claimId}", body) : TypedResults.Ok(body);
        });
    }
}
