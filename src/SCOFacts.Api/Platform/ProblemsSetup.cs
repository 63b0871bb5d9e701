using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Platform;

public static class ProblemsSetup
{
    /// <summary>Problem details for every error: exceptions, empty error responses and the framework's own 4xx.</summary>
    public static IServiceCollection AddScoFactsProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Problems.Customize);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddSingleton<ProblemCatalog>();
        services.AddSchemaExample(new ProblemDetails
        {
            Type = ProblemKinds.ValidationFailed.Type,
            Title = ProblemKinds.ValidationFailed.Title,
            Status = ProblemKinds.ValidationFailed.Status,
            Detail = "See 'errors' for the fields that were rejected.",
            Instance = "/facts",
        });
        // Parameter binding failures (bad JSON, bad route or query values, wrong content type) become exceptions the
        // handler turns into 4xx problems with the reason, instead of bare status codes without a body.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>The exception handler and status-code problem pages; first in the pipeline.</summary>
    public static IApplicationBuilder UseScoFactsProblems(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    /// <summary><c>GET /problems</c> and <c>GET /problems/{code}</c>: what each problem <c>type</c> means.</summary>
    public static IEndpointRouteBuilder MapProblemsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/problems").WithTags("Problems");

        group.MapGet("/", (ProblemCatalog catalog) => TypedResults.Ok(catalog.All.Select(ProblemDescription.Of).ToList()))
            .WithName("ListProblemTypes")
            .WithSummary("Lists every problem type the API answers with.")
            .WithExamples(response: new[] { ProblemDescription.Of(ProblemKinds.NotFound) });

        group.MapGet("/{code}", Results<Ok<ProblemDescription>, ProblemHttpResult> (string code, ProblemCatalog catalog) =>
                catalog.Find(code) is { } kind
                    ? TypedResults.Ok(ProblemDescription.Of(kind))
                    : Problems.NotFound($"There is no problem type '{code}'. GET /problems lists them."))
            .WithName("GetProblemType")
            .WithSummary("Describes one problem type: what it means and what a client can do about it.")
            .WithExamples(response: ProblemDescription.Of(ProblemKinds.ConcurrencyConflict))
            .WithResponseExample(StatusCodes.Status404NotFound, new ProblemDetails
            {
                Type = ProblemKinds.NotFound.Type,
                Title = ProblemKinds.NotFound.Title,
                Status = StatusCodes.Status404NotFound,
                Detail = "There is no problem type 'no-such-code'. GET /problems lists them.",
                Instance = "/problems/no-such-code",
            });

        return routes;
    }
}

/// <summary>What a problem <c>type</c> means.</summary>
/// <param name="Code">The code, the last segment of <paramref name="Type"/>.</param>
/// <param name="Type">The value of a problem's <c>type</c> member.</param>
/// <param name="Status">The HTTP status problems of this type are sent with.</param>
/// <param name="Title">The problem's fixed title.</param>
/// <param name="Description">What it means and what a client can do about it.</param>
public sealed record ProblemDescription(string Code, string Type, int Status, string Title, string Description)
{
    public static ProblemDescription Of(ProblemKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return new(kind.Code, kind.Type, kind.Status, kind.Title, kind.Description);
    }
}

/// <summary>
/// Turns exceptions into problems: a client's mistake into its 4xx, an unreachable database into a 503 with
/// Retry-After, anything else into a 500 that discloses nothing.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problemDetails, ScoFactsMetrics metrics, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
            return true; // The client has gone; there is nobody to answer.

        ProblemDetails problem;
        switch (exception)
        {
            case BadHttpRequestException bad:
            {
                var kind = ProblemKinds.ForStatus(bad.StatusCode);
                var detail = bad.InnerException is JsonException json ? $"{bad.Message} {json.Message}" : bad.Message;
                problem = Problem(kind, bad.StatusCode, detail);
                // Where in the body the JSON went wrong (an unknown property's name, say), for clients to point at.
                if (bad.InnerException is JsonException { Path: { Length: > 1 } path }) problem.Extensions["field"] = path.TrimStart('$', '.');
                break;
            }
            case PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire }:
                // PostgreSQL text cannot hold U+0000; an id or filter carrying one is the client's mistake, not ours.
                problem = Problem(ProblemKinds.MalformedRequest, StatusCodes.Status400BadRequest, "The request contains a NUL character (U+0000), which no text here may hold.");
                break;
            case ConcurrencyException concurrency:
                problem = Problem(ProblemKinds.ConcurrencyConflict, ProblemKinds.ConcurrencyConflict.Status, "The resource has changed since the version the request expected.");
                problem.Extensions["currentVersion"] = concurrency.ActualVersion;
                break;
            case var unavailable when DatabaseFailures.IsUnavailable(unavailable):
                LogDatabaseUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, unavailable.GetBaseException().Message);
                metrics.DatabaseUnavailable();
                // Idle pooled connections to a server that went away are dead: drop them now, so that the first
                // requests after its return do not fail on them one by one.
                httpContext.RequestServices.ClearDatabasePools();
                problem = Problem(ProblemKinds.ServiceUnavailable, StatusCodes.Status503ServiceUnavailable,
                    "The database cannot be reached right now. Retry after Retry-After seconds; a write retried with the same Idempotency-Key takes effect once.");
                problem.Extensions["retryAfterSeconds"] = DatabaseFailures.RetryAfterSeconds;
                httpContext.Response.Headers.RetryAfter = DatabaseFailures.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            default:
                LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
                problem = Problem(ProblemKinds.Internal, StatusCodes.Status500InternalServerError, "An unexpected error occurred.");
                break;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem });
    }

    private static ProblemDetails Problem(ProblemKind kind, int status, string detail) =>
        new() { Type = kind.Type, Title = kind.Title, Status = status, Detail = detail };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the database cannot be reached ({Reason})")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string method, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
