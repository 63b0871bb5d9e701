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
                "(editors). Facts citing sources whose reliability moved are reconciled again. The daemon does this incrementally on its own.");
        return group;
    }

    private static async Task<IResult> EstimateAsync(TrustProjection projection, Npgsql.NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        TypedResults.Ok(await projection.ReestimateAsync(dataSource, cancellationToken));
}
