using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SCOFacts.Api.Application;
using SCOFacts.Api.Tests.Platform;
using SCOFacts.Domain.Facts;
using SCOFacts.EventStore;
using Wolverine.Runtime;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>
/// Writes are Wolverine commands (ADR 009): they run through the bus's generated handlers, a stale pinned version is
/// refused with nothing written and never retried, a rejection is an answer rather than a failure to retry, and a race
/// lost to a writer that does not take the stream's lock is retried, a bounded number of times, for writes without
/// If-Match only. Lost races are staged by a trigger that fails the first inserts into a chosen stream the way a
/// competing append would (the events' key taken), counting every attempt in a sequence.
/// </summary>
public sealed class WriteCommandTests(WriteCommandTests.Factory factory) : IClassFixture<WriteCommandTests.Factory>
{
    [Fact]
    public async Task Writes_run_through_the_bus_on_the_pre_generated_handlers()
    {
        var runtime = factory.Services.GetRequiredService<IWolverineRuntime>();
        foreach (var type in new[] { typeof(WriteFact), typeof(WriteFactAt), typeof(WriteSource), typeof(WriteSourceAt) })
        {
            var handler = ((WolverineRuntime)runtime).Handlers.HandlerFor(type);
            Assert.NotNull(handler);
            // Loaded from Internal/Generated, not compiled at start-up.
            Assert.Equal(typeof(FactsDesk).Assembly, handler.GetType().Assembly);
        }

        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var claim = await factory.RecordClaimAsync(fact, source);
        var result = await new Wolverine.Runtime.MessageBus(runtime).InvokeAsync<DeskResult<FactState>>(
            new WriteFact(new EndorseClaim(fact, claim, "checker:bus", null), Who()));

        Assert.True(result.Accepted);
        // Defined (1), claimed (2), endorsed (3).
        Assert.Equal(3, result.Version);
        Assert.Equal(3, await StreamVersionAsync(fact));
    }

    [Fact]
    public void The_application_ships_no_runtime_compiler()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        // The handlers' code is generated ahead of time, so nothing in the application's dependencies compiles C#.
        var deps = File.ReadAllText(Path.Combine(Seeding.RepoPaths.Root, "src", "SCOFacts.Api", "bin", configuration, "net10.0", "SCOFacts.Api.deps.json"));
        Assert.Contains("\"WolverineFx.Marten/", deps, StringComparison.Ordinal);
        Assert.DoesNotContain("Microsoft.CodeAnalysis", deps, StringComparison.Ordinal);
        Assert.DoesNotContain("JasperFx.RuntimeCompiler", deps, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_handlers_are_aggregate_handlers_pinned_by_a_version_that_cannot_be_missing()
    {
        foreach (var (handler, command) in new[]
                 {
                     (typeof(WriteFactHandler), typeof(WriteFact)), (typeof(WriteFactAtHandler), typeof(WriteFactAt)),
                     (typeof(WriteSourceHandler), typeof(WriteSource)), (typeof(WriteSourceAtHandler), typeof(WriteSourceAt)),
                 })
        {
            var handle = handler.GetMethod("Handle")!;
            Assert.NotNull(handle.GetCustomAttributes(typeof(Wolverine.Marten.AggregateHandlerAttribute), false).SingleOrDefault());
            Assert.Equal(command, handle.GetParameters()[0].ParameterType);
            // Wolverine reads the expected version only from a non-nullable Version; a nullable one would skip the check.
            var version = command.GetProperty("Version");
            if (command.Name.EndsWith("At", StringComparison.Ordinal)) Assert.Equal(typeof(long), version!.PropertyType);
            else Assert.Null(version);
        }
    }

    [Fact]
    public async Task Marten_fetches_a_fact_for_writing_from_its_stored_state_under_the_streams_lock()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        await factory.RecordClaimAsync(fact, source);
        var store = factory.Services.GetRequiredService<Marten.IDocumentStore>();

        await using (var stale = store.LightweightSession())
        {
            var refused = await Assert.ThrowsAsync<ConcurrencyException>(() => stale.Events.FetchForWriting<FactForWrite>(Fact.StreamId(fact), 1));
            Assert.Equal(2, refused.ActualVersion);
        }

        var first = store.LightweightSession();
        var fetched = await first.Events.FetchForWriting<FactForWrite>(Fact.StreamId(fact));
        var model = Assert.IsType<FactForWrite>(fetched.Aggregate);
        Assert.Equal(2, model.Version);
        Assert.Equal(2, fetched.StartingVersion);
        Assert.Single(model.State.Claims);
        Assert.False(model.KeyUsed);

        // A second writer of the same fact waits on the lock until the first one's transaction ends.
        await using var second = store.LightweightSession();
        var waiting = second.Events.FetchForWriting<FactForWrite>(Fact.StreamId(fact));
        await SCOFacts.Testing.Wait.UntilAsync(async () =>
        {
            await using var locks = factory.DataSource.CreateCommand(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database " +
                "WHERE datname = current_database()) AND classid = $1::oid AND objid = hashtext($2)::oid");
            locks.Parameters.Add(new() { Value = SCOFacts.Api.Storage.ScoFactsEvents.StreamLockClass });
            locks.Parameters.Add(new() { Value = Fact.StreamId(fact) });
            return (long)(await locks.ExecuteScalarAsync())! > 0;
        }, TimeSpan.FromSeconds(10), "the second writer waits on the fact's stream lock");
        Assert.False(waiting.IsCompleted);
        await first.DisposeAsync();
        Assert.Equal(2, (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Aggregate!.Version);
    }

    [Fact]
    public async Task A_stale_pinned_version_is_refused_with_nothing_written_and_tried_once()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var claim = await factory.RecordClaimAsync(fact, source);
        var before = await factory.CountEventsAsync();
        var runtime = factory.Services.GetRequiredService<IWolverineRuntime>();

        var stale = await Assert.ThrowsAsync<ConcurrencyException>(() => new Wolverine.Runtime.MessageBus(runtime).InvokeAsync<DeskResult<FactState>>(
            new WriteFactAt(new EndorseClaim(fact, claim, "checker:bus", null), Who(), Version: 1)));
        Assert.Equal(2, stale.ActualVersion);

        using var response = await factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source, quote: "stale"),
            ("If-Match", "\"1\""));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.PreconditionFailed, "concurrency-conflict");

        Assert.Equal(before, await factory.CountEventsAsync());
        // One attempt for each of the two requests: a stale version is never tried again.
        Assert.Equal(2, factory.FailedAttempts(nameof(WriteFactAt), fact));
    }

    [Fact]
    public async Task A_rejection_is_answered_at_once_and_not_retried()
    {
        var fact = await factory.DefineQuantityFactAsync();
        var before = await factory.CountEventsAsync();

        // The fact exists: defining it again is refused by the decision, not by a failure.
        using var again = await factory.Editor.PostJsonAsync("/api/facts", Scenario.QuantityFactJson(fact));

        var problem = await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, "conflict");
        Assert.Equal("fact-exists", problem.GetProperty("code").GetString());
        Assert.Equal(before, await factory.CountEventsAsync());
        Assert.Equal(0, factory.FailedAttempts(nameof(WriteFact), fact));
    }

    [Fact]
    public async Task A_race_lost_without_If_Match_is_retried_on_fresh_state_and_succeeds()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var attempts = await LoseRacesAsync(fact, failures: 2);

        using var response = await factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(3, await attempts());
        Assert.Equal(2, await StreamVersionAsync(fact));
        Assert.Equal(2, factory.FailedAttempts(nameof(WriteFact), fact));
    }

    [Fact]
    public async Task A_race_lost_with_If_Match_is_the_callers_412_and_is_not_retried()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var attempts = await LoseRacesAsync(fact, failures: 1);

        using var response = await factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source), ("If-Match", "\"1\""));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal(1, await attempts());
        Assert.Equal(1, await StreamVersionAsync(fact));
    }

    [Fact]
    public async Task Races_lost_on_every_attempt_are_a_409_write_contention_after_a_bounded_number_of_tries()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var attempts = await LoseRacesAsync(fact, failures: 1000);

        using var response = await factory.Checker.PostJsonAsync($"/api/facts/{fact}/claims", Scenario.ClaimJson(source));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "conflict");
        Assert.Equal("write-contention", problem.GetProperty("code").GetString());
        Assert.Equal(WriteRetries.MaxAttempts, await attempts());
        Assert.Equal(1, await StreamVersionAsync(fact));
    }

    private static EventMetadata Who() => new("checker:bus", Guid.NewGuid().ToString("N"));

    private async Task<long> StreamVersionAsync(string fact)
    {
        await using var command = factory.DataSource.CreateCommand("select version from mt_streams where id = $1");
        command.Parameters.Add(new() { Value = Fact.StreamId(fact) });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    // Makes the first `failures` appends to the fact's stream fail as a lost race; returns how many were tried.
    private async Task<Func<Task<long>>> LoseRacesAsync(string fact, int failures)
    {
        var sequence = $"test_attempts_{Guid.NewGuid():N}";
        await using (var setup = factory.DataSource.CreateBatch())
        {
            setup.BatchCommands.Add(new($"CREATE SEQUENCE {sequence}"));
            setup.BatchCommands.Add(new("""
                CREATE TABLE IF NOT EXISTS test_lost_races (stream_id text PRIMARY KEY, sequence_name text NOT NULL, failures int NOT NULL)
                """));
            setup.BatchCommands.Add(new("""
                CREATE OR REPLACE FUNCTION test_lose_race() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    plan record;
                BEGIN
                    SELECT * INTO plan FROM test_lost_races WHERE stream_id = NEW.stream_id;
                    IF FOUND AND nextval(plan.sequence_name::regclass) <= plan.failures THEN
                        RAISE EXCEPTION 'another writer appended first' USING ERRCODE = 'unique_violation', CONSTRAINT = 'pk_mt_events_stream_and_version';
                    END IF;
                    RETURN NEW;
                END $$
                """));
            setup.BatchCommands.Add(new("CREATE OR REPLACE TRIGGER test_lose_race BEFORE INSERT ON mt_events FOR EACH ROW EXECUTE FUNCTION test_lose_race()"));
            var plan = new Npgsql.NpgsqlBatchCommand("INSERT INTO test_lost_races VALUES ($1, $2, $3)");
            plan.Parameters.Add(new() { Value = Fact.StreamId(fact) });
            plan.Parameters.Add(new() { Value = sequence });
            plan.Parameters.Add(new() { Value = failures });
            setup.BatchCommands.Add(plan);
            await setup.ExecuteNonQueryAsync();
        }
        return async () =>
        {
            await using var read = factory.DataSource.CreateCommand($"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}");
            return (long)(await read.ExecuteScalarAsync())!;
        };
    }

    /// <summary>The API, with a log that keeps each failed attempt the bus reports before it retries or gives up.</summary>
    public sealed class Factory : ApiFactory
    {
        private readonly ConcurrentQueue<string> _failures = new();

        /// <summary>Failed attempts of <paramref name="messageType"/> commands about <paramref name="fact"/>.</summary>
        public int FailedAttempts(string messageType, string fact) =>
            _failures.Count(f => f.Contains(messageType + " {", StringComparison.Ordinal) && f.Contains(fact, StringComparison.Ordinal));

        protected override void ConfigureTestServices(IServiceCollection services)
        {
            services.AddSingleton<ILoggerProvider>(new FailureLog(_failures));
            // The host keeps failed write attempts out of its log (they are routine); this log wants every one of them.
            services.AddLogging(logging => logging.AddFilter<FailureLog>(category: null, LogLevel.Error));
        }

        private sealed class FailureLog(ConcurrentQueue<string> failures) : ILoggerProvider
        {
            public ILogger CreateLogger(string categoryName) => new Logger(failures);

            public void Dispose()
            {
            }

            private sealed class Logger(ConcurrentQueue<string> failures) : ILogger
            {
                public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

                public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

                public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                {
                    if (logLevel >= LogLevel.Error && exception is not null)
                        failures.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
