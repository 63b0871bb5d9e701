using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Trust;

/// <summary>Learned source trust: the daemon keeps it up to date; editors can force a full re-estimation.</summary>
public static class TrustApi
{
    public static RouteGroupBuilder MapTrustApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/trust").WithTags("Sources");
        group.MapPost("/estimations", EstimateAsync).WithName("EstimateTrust").RequireAuthorization(Policies.Editor)
            .WithSummary("Re-derive the trust estimator's inputs from the log and estimate every source's reliability from scratch " +
                "(editors). Facts citing sources whose reliability moved are reconciled again. The daemon does this incrementally on its own.")
            .Produces<TrustRun>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithExamples(request: AuditExamples.TrustRequest, response: AuditExamples.TrustRun);
        return group;
    }

    // The body is optional: a reason, for the log of who asked for a full estimation and why.
    private static async Task<IResult> EstimateAsync(TrustEstimationRequest? request, TrustProjection projection, Npgsql.NpgsqlDataSource dataSource,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(await projection.ReestimateAsync(dataSource, cancellationToken));
}

/// <summary>Asking for a full estimation.</summary>
/// <param name="Reason">Why, for whoever reads the logs later.</param>
public sealed record TrustEstimationRequest(string? Reason);
