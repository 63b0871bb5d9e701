using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SCOFacts.Api.Platform;
using SCOFacts.EventStore;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Platform;

/// <summary>The body of the test-only write endpoint.</summary>
public sealed record TestWrite(string Note);

/// <summary>What the test-only write endpoint answers: the side-effect row it inserted.</summary>
public sealed record TestWritten(long Id, string Principal, string? IdempotencyKey, string Note);

/// <summary>Lets a test hold the slow write endpoint until every concurrent request has arrived.</summary>
public sealed class SlowWriteGate
{
    private int _arrived;

    public int Arrived => Volatile.Read(ref _arrived);

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Arrive() => Interlocked.Increment(ref _arrived);
}

/// <summary>
/// The app plus test-only endpoints that exercise the platform: a write that leaves a row per execution
/// (<c>test_side_effects</c>), one that needs an editor, one behind If-Match, one that throws, one with typed
/// route and query values.
/// </summary>
public class PlatformFactory : ApiFactory
{
    public const int CurrentVersion = 7;

    public SlowWriteGate Gate { get; } = new();

    /// <summary>How many times the write endpoints actually ran.</summary>
    public async Task<long> CountSideEffectsAsync()
    {
        await using var command = DataSource.CreateCommand("select count(*) from test_side_effects");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    protected override async Task OnDatabaseCreatedAsync(TestDatabase database)
    {
        await using var command = database.DataSource.CreateCommand(
            "create table test_side_effects (id bigint generated always as identity primary key, principal text not null, idempotency_key text, note text not null)");
        await command.ExecuteNonQueryAsync();
    }

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.AddSingleton(Gate);
        services.AddSingleton<IStartupFilter>(new ArrivalCounter(Gate));
        MapTestEndpoints(services, Map);
    }

    private static void Map(IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/test");

        group.MapPost("/writes", (TestWrite write, HttpContext context, NpgsqlDataSource dataSource) => WriteAsync(write, context, dataSource))
            .RequireAuthorization(Policies.Checker)
            .WithExamples(request: new TestWrite("an example note"), response: new TestWritten(1, "checker:alice", "retry-1", "an example note"), responseStatus: StatusCodes.Status201Created);

        group.MapPost("/editor-writes", (TestWrite write, HttpContext context, NpgsqlDataSource dataSource) => WriteAsync(write, context, dataSource))
            .RequireAuthorization(Policies.Editor);

        group.MapPost("/slow-writes", async (TestWrite write, HttpContext context, NpgsqlDataSource dataSource, SlowWriteGate gate) =>
            {
                gate.Entered.TrySetResult();
                await gate.Release.Task;
                return await WriteAsync(write, context, dataSource);
            })
            .RequireAuthorization(Policies.Checker);

        group.MapPost("/versioned", Results<Ok<string>, ProblemHttpResult> (HttpRequest request, HttpResponse response) =>
            {
                if (!request.TryGetExpectedVersion(out var expected, out var malformed))
                    return malformed;
                if (Preconditions.CheckVersion(expected, CurrentVersion) is { } stale)
                    return stale;
                response.SetETag(CurrentVersion + 1);
                return TypedResults.Ok("changed");
            })
            .RequireAuthorization(Policies.Checker);

        group.MapPost("/failures", IResult () => throw new InvalidOperationException("secret internals: password=hunter2"))
            .RequireAuthorization(Policies.Checker);

        group.MapPost("/stale-appends", IResult () => throw new ConcurrencyException("fact-x", ExpectedVersion.Exact(3), 5))
            .RequireAuthorization(Policies.Checker);

        group.MapPost("/metadata", (HttpContext context) => TypedResults.Ok(context.CreateEventMetadata("testing")))
            .RequireAuthorization(Policies.Checker);

        group.MapGet("/items/{id:long}", (long id, int? limit) => TypedResults.Ok(new { id, limit }));
    }

    private static async Task<Created<TestWritten>> WriteAsync(TestWrite write, HttpContext context, NpgsqlDataSource dataSource)
    {
        var principal = context.User.ScoFactsPrincipalName();
        var key = context.GetIdempotencyKey();
        await using var command = dataSource.CreateCommand(
            "insert into test_side_effects (principal, idempotency_key, note) values ($1, $2, $3) returning id");
        command.Parameters.Add(new() { Value = principal });
        command.Parameters.Add(new() { Value = (object?)key ?? DBNull.Value });
        command.Parameters.Add(new() { Value = write.Note });
        var id = (long)(await command.ExecuteScalarAsync())!;
        context.Response.SetETag(1);
        return TypedResults.Created($"/test/writes/{id}", new TestWritten(id, principal, key, write.Note));
    }

    /// <summary>Counts requests to the slow endpoint as they arrive, before any platform middleware sees them.</summary>
    private sealed class ArrivalCounter(SlowWriteGate gate) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path.StartsWithSegments("/test/slow-writes"))
                    gate.Arrive();
                await nextMiddleware(context);
            });
            next(app);
        };
    }
}
