using System.Collections.Immutable;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Npgsql;
using SCOFacts.Api.Storage;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Values;
using SCOFacts.EventStore;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Storage;

/// <summary>
/// The event store as SCOFacts configures Marten (ScoFactsMarten), over a database built by migrations/ alone:
/// the schema export matches the configuration, events keep the domain's names, bytes and metadata, the
/// database refuses to rewrite the log, and a stale expected version loses.
/// </summary>
public sealed class MartenEventStoreTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private DocumentStore _store = null!;

    public Task InitializeAsync()
    {
        _store = DocumentStore.For(options => ScoFactsMarten.Configure(options, fixture.DataSource));
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_migrations_hold_exactly_the_schema_Marten_is_configured_for()
    {
        // Throws, listing the differences, when the configuration changed without a new exported migration.
        await _store.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
    }

    [Fact]
    public async Task The_desk_searches_quotes_through_an_index_not_a_scan_of_the_log()
    {
        // Every recorded claim's quote is searchable as it is appended, in the append's transaction.
        var factId = $"f-{Guid.NewGuid():N}";
        await using (var session = _store.LightweightSession())
        {
            session.Events.StartStream(Fact.StreamId(factId), Defined(factId), Recorded(factId, "c-1"));
            await session.SaveChangesAsync();
        }
        await using (var found = fixture.DataSource.CreateCommand(
            "SELECT count(*) FROM desk_quotes q JOIN mt_events e USING (seq_id) " +
            "WHERE q.fact_id = $1 AND e.type = 'ClaimRecorded' AND q.document = to_tsvector('simple'::regconfig, e.data->>'quote')"))
        {
            found.Parameters.Add(new NpgsqlParameter { Value = factId });
            Assert.Equal(1L, await found.ExecuteScalarAsync());
        }

        // The planner may rightly prefer a scan of a tiny table; with scans priced out, a plan that still scans means
        // the index does not match the expression the desk searches with.
        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var off = new NpgsqlCommand("SET LOCAL enable_seqscan = off", connection, transaction)) await off.ExecuteNonQueryAsync();
        await using var explain = new NpgsqlCommand(
            "EXPLAIN SELECT q.fact_id FROM desk_quotes q WHERE q.document @@ to_tsquery('simple'::regconfig, 'founded:*')", connection, transaction);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        Assert.Contains(plan, line => line.Contains("desk_quotes_document", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Events_are_stored_under_the_domain_names_with_who_why_and_the_request_they_came_from()
    {
        var factId = $"f-{Guid.NewGuid():N}";
        await using (var session = _store.LightweightSession())
        {
            ScoFactsMarten.Stamp(session, new EventMetadata("checker-ana", "corr-1", "cause-1", "key-1", "read it in the charter")
            {
                Extra = new Dictionary<string, string> { ["client"] = "127.0.0.1" },
            });
            session.Events.StartStream(Fact.StreamId(factId), Defined(factId), Recorded(factId, "c-1"));
            await session.SaveChangesAsync();
        }

        await using var command = fixture.DataSource.CreateCommand(
            "SELECT type, user_name, correlation_id, causation_id, headers->>'idempotencyKey', headers->>'reason', headers->>'client' " +
            "FROM mt_events WHERE stream_id = $1 ORDER BY version");
        command.Parameters.Add(new NpgsqlParameter { Value = Fact.StreamId(factId) });
        var rows = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "∅" : reader.GetString(i))));
        }
        Assert.Equal(
            [
                "FactDefined|checker-ana|corr-1|cause-1|key-1|read it in the charter|127.0.0.1",
                "ClaimRecorded|checker-ana|corr-1|cause-1|key-1|read it in the charter|127.0.0.1",
            ], rows);
    }

    [Fact]
    public async Task A_polymorphic_value_reads_back_as_written_although_jsonb_reorders_its_keys()
    {
        var factId = $"f-{Guid.NewGuid():N}";
        // A date value: jsonb orders keys by length, then bytes, so "date" comes before "kind".
        var recorded = Recorded(factId, "c-1") with { Value = new DateValue(PartialDate.Parse("2001-06-15"), DateApprox.About) };
        await using (var session = _store.LightweightSession())
        {
            session.Events.StartStream(Fact.StreamId(factId), Defined(factId), recorded);
            await session.SaveChangesAsync();
        }

        // jsonb stores keys shortest first, so "kind" no longer leads the value object.
        await using var raw = fixture.DataSource.CreateCommand("SELECT data->'value' ->> 'kind', (data->'value')::text FROM mt_events WHERE stream_id = $1 AND version = 2");
        raw.Parameters.Add(new NpgsqlParameter { Value = Fact.StreamId(factId) });
        await using (var reader = await raw.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal("date", reader.GetString(0));
            Assert.False(reader.GetString(1).StartsWith("{\"kind\"", StringComparison.Ordinal), "the test needs a value whose kind is not first");
        }

        await using var query = _store.QuerySession();
        var events = await query.Events.FetchStreamAsync(Fact.StreamId(factId));
        var read = Assert.IsType<ClaimRecorded>(events[1].Data);
        Assert.Equal(DomainEvents.Serialize(recorded), DomainEvents.Serialize(read));
        // The stored bytes are the domain's own serialisation: events recorded before Marten compare equal.
        using var stored = JsonDocument.Parse(DomainEvents.Serialize(read));
        Assert.Equal(JsonSerializer.Serialize(stored), JsonSerializer.Serialize(JsonDocument.Parse(DomainEvents.Serialize(recorded))));
    }

    [Fact]
    public async Task Of_32_writers_appending_at_the_same_version_exactly_one_wins()
    {
        var factId = $"f-{Guid.NewGuid():N}";
        await using (var session = _store.LightweightSession())
        {
            session.Events.StartStream(Fact.StreamId(factId), Defined(factId));
            await session.SaveChangesAsync();
        }

        using var start = new ManualResetEventSlim();
        var writers = Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            start.Wait();
            await using var session = _store.LightweightSession();
            session.Events.Append(Fact.StreamId(factId), 2, Recorded(factId, $"c-{i}"));
            try
            {
                await session.SaveChangesAsync();
                return true;
            }
            catch (EventStreamUnexpectedMaxEventIdException)
            {
                return false;
            }
        })).ToList();
        start.Set();
        var outcomes = await Task.WhenAll(writers);

        Assert.Equal(1, outcomes.Count(won => won));
        await using var query = _store.QuerySession();
        var state = await query.Events.FetchStreamStateAsync(Fact.StreamId(factId));
        Assert.Equal(2, state!.Version);
        Assert.Equal(2, (await query.Events.FetchStreamAsync(Fact.StreamId(factId))).Count);
    }

    [Theory]
    [InlineData("UPDATE mt_events SET data = data WHERE stream_id = $1")]
    [InlineData("DELETE FROM mt_events WHERE stream_id = $1")]
    [InlineData("TRUNCATE mt_events CASCADE")]
    public async Task The_database_refuses_to_change_or_remove_recorded_events(string sql)
    {
        var factId = $"f-{Guid.NewGuid():N}";
        await using (var session = _store.LightweightSession())
        {
            session.Events.StartStream(Fact.StreamId(factId), Defined(factId));
            await session.SaveChangesAsync();
        }

        await using var command = fixture.DataSource.CreateCommand(sql);
        if (sql.Contains("$1", StringComparison.Ordinal)) command.Parameters.Add(new NpgsqlParameter { Value = Fact.StreamId(factId) });
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);

        await using var count = fixture.DataSource.CreateCommand("SELECT count(*) FROM mt_events WHERE stream_id = $1");
        count.Parameters.Add(new NpgsqlParameter { Value = Fact.StreamId(factId) });
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_stream_read_as_of_a_moment_holds_only_the_events_recorded_by_then()
    {
        var factId = $"f-{Guid.NewGuid():N}";
        await using (var session = _store.LightweightSession())
        {
            session.Events.StartStream(Fact.StreamId(factId), Defined(factId), Recorded(factId, "c-1"));
            await session.SaveChangesAsync();
        }
        await using var query = _store.QuerySession();
        var first = await query.Events.FetchStreamAsync(Fact.StreamId(factId));
        var then = first[^1].Timestamp;
        await Wait.UntilAsync(() => Task.FromResult(DateTimeOffset.UtcNow > then), TimeSpan.FromSeconds(5), "the clock moves past the first append");
        await using (var session = _store.LightweightSession())
        {
            session.Events.Append(Fact.StreamId(factId), Recorded(factId, "c-2"));
            await session.SaveChangesAsync();
        }

        var asOfThen = await query.Events.FetchStreamAsync(Fact.StreamId(factId), timestamp: then);
        var now = await query.Events.FetchStreamAsync(Fact.StreamId(factId));
        Assert.Equal(["c-1"], Fact.Fold(asOfThen.Select(e => e.Data)).ClaimsInOrder.Select(c => c.ClaimId));
        Assert.Equal(["c-1", "c-2"], Fact.Fold(now.Select(e => e.Data)).ClaimsInOrder.Select(c => c.ClaimId));
        // Times are those the append recorded, in UTC, however the session's time zone is set.
        Assert.All(now, e => Assert.Equal(TimeSpan.Zero, e.Timestamp.Offset));
    }

    [Fact]
    public async Task A_session_left_idle_inside_a_transaction_is_ended_after_a_minute()
    {
        // A new session: per-database settings apply from the next connection on, and pooled ones predate the migration.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW idle_in_transaction_session_timeout", connection);
        Assert.Equal("1min", await command.ExecuteScalarAsync());
    }

    internal static FactDefined Defined(string factId) =>
        new(factId, "sco", "member-count", ImmutableDictionary<string, string>.Empty, FactValueType.Quantity, null, null, "How many member states", "editor");

    internal static ClaimRecorded Recorded(string factId, string claimId) =>
        new(factId, claimId, "s-1", new QuantityValue("10", "member states", QuantityApprox.Exact), ValidTime.Instant(PartialDate.Parse("2024-07-04")),
            "ten member states", new Locator(1, 0), null, "checker-ana");
}
