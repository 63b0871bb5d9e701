using SCOFacts.Api.Http;
using SCOFacts.Api.Jobs;
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
                "(editors). Facts citing sources whose reliability moved are reconciled again. The daemon does this incrementally on its own. " +
                "The estimation runs as a job: the answer is 202 with the job (Location: /api/jobs/{id}), whose result is the run once it has succeeded.")
            .Produces<Job>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithExamples(request: AuditExamples.TrustRequest, response: TrustJobExample, responseStatus: StatusCodes.Status202Accepted);
        return group;
    }

    private static Job TrustJobExample { get; } = JobExamples.Succeeded with
    {
        State = JobStates.Queued, StartedAt = null, FinishedAt = null, Attempts = 0, Result = null,
        Progress = new JobProgress(0, 1, "estimations", 0, null, null),
    };

    // The body is optional: a reason, kept with the job for whoever asks later who wanted a full estimation and why.
    private static async Task<IResult> EstimateAsync(TrustEstimationRequest? request, JobQueue jobs, HttpContext context, CancellationToken cancellationToken) =>
        JobsApi.Accepted(await jobs.SubmitAsync(JobKinds.TrustEstimation, context.User.ScoFactsPrincipalName(), request?.Reason, "estimations", 1, null,
            cancellationToken));
}

/// <summary>Asking for a full estimation.</summary>
/// <param name="Reason">Why, for whoever reads the logs later.</param>
public sealed record TrustEstimationRequest(string? Reason);
