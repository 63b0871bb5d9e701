using System.Globalization;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Api.ReadModels;
using SCOFacts.Api.Seeding;

namespace SCOFacts.Api.Jobs;

/// <summary>Long jobs: imports over HTTP, and watching any job (imports, full trust estimations, command-line imports).</summary>
public static class JobsApi
{
    private static readonly string[] ImportMediaTypes = ["application/json", "application/x-ndjson", "application/jsonl"];

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs").WithTags("Jobs");
        jobs.MapGet("/", ListAsync).WithName("ListJobs")
            .WithSummary("Every job, newest first: imports (over HTTP and from the command line) and full trust estimations.")
            .Produces<PageResponse<Job>>().ProducesProblem(StatusCodes.Status400BadRequest)
            .WithExamples(response: new PageResponse<Job>([JobExamples.Running, JobExamples.Succeeded], null));
        jobs.MapGet("/{jobId:guid}", GetAsync).WithName("GetJob")
            .WithSummary("One job: its state (queued, running, succeeded, failed), who asked and why, progress with rate and expected finish, " +
                "and once it has ended its result or the problem it failed with.")
            .Produces<Job>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: JobExamples.Running);

        app.MapPost("/api/imports", ImportAsync).WithName("Import").WithTags("Jobs").RequireAuthorization(Policies.Editor)
            .WithSummary("Import sources, facts and claims (editors): the body is an import file, a JSON array or JSON Lines in the seeds' formats. " +
                "The whole body is read first, and a line that cannot be read refuses it all; then the import runs as a job and the answer is " +
                "202 with the job (Location: /api/jobs/{id}). Items already stored with the same content are skipped; clashes and refusals end " +
                "the job as failed, listed by line in its result.")
            .Accepts<IReadOnlyList<object>>(ImportMediaTypes[0], ImportMediaTypes[1..])
            .Produces<Job>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithExamples(request: JobExamples.ImportBody, response: JobExamples.Queued, responseStatus: StatusCodes.Status202Accepted);
        return app;
    }

    /// <summary>Answers a job just asked for: 202, where to watch it, and the job as queued.</summary>
    public static IResult Accepted(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return TypedResults.Accepted($"/api/jobs/{job.Id}", job);
    }

    private static async Task<IResult> GetAsync(Guid jobId, JobStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(jobId, cancellationToken) is { } job ? TypedResults.Ok(job) : Problems.NotFound($"No job '{jobId}'.");

    private static async Task<IResult> ListAsync(string? cursor, int? limit, JobStore store, CancellationToken cancellationToken)
    {
        if (WriteSupport.TryPage(limit, cursor, out var size, out var after) is { } badPage) return badPage;
        (DateTimeOffset, Guid)? key = null;
        if (after is not null)
        {
            if (ParseKey(after) is not { } parsed)
                return QueryParameters.Bad(QueryParameters.Cursor, "The cursor is not one this API issued.");
            key = parsed;
        }
        var page = await store.ListAsync(size + 1, key, cancellationToken);
        var items = page.Take(size).ToList();
        return TypedResults.Ok(new PageResponse<Job>(items, page.Count > size ? Cursor.Encode(KeyOf(items[^1])) : null));
    }

    // The listing's key: creation time (in ticks, exact to the database's microseconds) and id.
    private static string KeyOf(Job job) => string.Create(CultureInfo.InvariantCulture, $"{job.CreatedAt.UtcTicks}/{job.Id:N}");

    private static (DateTimeOffset, Guid)? ParseKey(string key)
    {
        var parts = key.Split('/');
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTimeOffset.MaxValue.UtcTicks && Guid.TryParseExact(parts[1], "N", out var id)
            ? (new DateTimeOffset(ticks, TimeSpan.Zero), id)
            : null;
    }

    private static async Task<IResult> ImportAsync(HttpContext context, JobQueue queue, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.ContentType is not { } type || !ImportMediaTypes.Any(m => type.StartsWith(m, StringComparison.OrdinalIgnoreCase)))
            return Problems.Of(ProblemKinds.UnsupportedMediaType, $"Send the import file as {string.Join(", ", ImportMediaTypes)} (UTF-8).");
        if (await WriteSupport.ReadUtf8BodyAsync(request, cancellationToken) is not { } text)
            return Problems.Malformed("The import file is not valid UTF-8.");
        if (string.IsNullOrWhiteSpace(text))
            return Problems.Malformed("The import file is empty: send a JSON array or JSON Lines of sources, facts and claims.");

        var items = SeedSet.ReadImportText(text);
        var unreadable = items.Where(i => i.Error is not null).ToList();
        if (unreadable.Count > 0)
        {
            return Problems.Validation(unreadable.GroupBy(i => $"line {i.Line}").ToDictionary(g => g.Key, g => g.Select(i => i.Error!).ToArray()),
                $"{unreadable.Count} of {items.Count} items cannot be read; nothing was imported.");
        }
        if (items.Count == 0)
            return Problems.Malformed("The import file holds no items.");

        var job = await queue.SubmitAsync(JobKinds.Import, context.User.ScoFactsPrincipalName(), null, "items", items.Count, text, cancellationToken);
        return Accepted(job);
    }
}
