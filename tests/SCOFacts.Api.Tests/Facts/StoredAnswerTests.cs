using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SCOFacts.Api.Storage;
using SCOFacts.Api.Application;
using SCOFacts.Api.ReadModels;
using SCOFacts.Api.Tests.Seeding;
using SCOFacts.Api.Trust;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>
/// The seeded facts' stored state and answers: the state is the stream folded, the answers are what reconciling afresh
/// gives on every day, and both follow what they depend on (learned weights, a source's rating).
/// </summary>
public sealed class StoredAnswerTests(SeededApiFactory factory) : IClassFixture<SeededApiFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_seeded_facts_stored_answer_is_a_fresh_reconciliation_before_and_after_its_weights_move()
    {
        var factIds = await FactIdsAsync();
        Assert.True(factIds.Count >= 20, $"only {factIds.Count} seeded facts");
        await CaughtUpAsync();
        var served = await StoredAnswerAssert.AllEqualAsync(factory, factIds, "seeded");
        Assert.True(served > factIds.Count * 5, $"only {served} reads were served from stored answers");

        // Learned weights move: the trust projection re-reconciles the facts whose sources moved.
        await factory.Services.GetRequiredService<TrustProjection>().ReestimateAsync(factory.Services.GetRequiredService<NpgsqlDataSource>(), default);
        await CaughtUpAsync();
        await StoredAnswerAssert.AllEqualAsync(factory, factIds, "after re-estimation");

        // An editor rates the most cited source: every fact citing it answers with the new weight at once.
        var (sourceId, citingFact) = await MostCitedSourceAsync();
        var before = await BodyAsync($"/api/facts/{citingFact}");
        using (var rated = await factory.Editor.PostAsJsonAsync($"/api/sources/{sourceId}/ratings", new { reliability = 0.97, reason = "Checked against the record." }))
            Assert.True(rated.IsSuccessStatusCode, await rated.Content.ReadAsStringAsync());
        await CaughtUpAsync();
        Assert.NotEqual(before, await BodyAsync($"/api/facts/{citingFact}"));
        await StoredAnswerAssert.AllEqualAsync(factory, factIds, "after a rating");

        // A rebuild from the log reproduces the stored rows.
        var report = await factory.Services.GetRequiredService<ViewRebuilder>()
            .RebuildAsync(factory.Services.GetRequiredService<FactsProjection>(), replace: false);
        Assert.True(report.DifferenceCount == 0, string.Join("\n", report.Differences.Take(5).Select(d => $"{d.Table} {d.Side} {d.Row}")));
    }

    [Fact]
    public async Task Every_seeded_facts_stored_state_is_its_stream_folded_and_reads_back_exactly()
    {
        var store = factory.Services.GetRequiredService<ScoFactsEvents>();
        var rows = 0;
        // Read from the rows themselves, not through this process's cache of the states it wrote.
        await using var command = factory.DataSource.CreateCommand(
            "SELECT a.fact_id, a.version, a.state, coalesce((SELECT array_agg(c.state ORDER BY c.position) FROM fact_answer_claims c " +
            "WHERE c.fact_id = a.fact_id), '{}'), coalesce((SELECT array_agg(c.position ORDER BY c.position) FROM fact_answer_claims c " +
            "WHERE c.fact_id = a.fact_id), '{}') FROM fact_answers a ORDER BY a.fact_id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (factId, version, head) = (reader.GetString(0), reader.GetInt64(1), reader.GetString(2));
            var (claims, positions) = (reader.GetFieldValue<string[]>(3), reader.GetFieldValue<int[]>(4));
            var (folded, streamVersion) = await store.AggregateStreamAsync(Fact.StreamId(factId), Fact.Initial, (s, e) => Fact.Evolve(s, e.Data));
            Assert.Equal(streamVersion, version);
            Assert.Equal(Enumerable.Range(0, folded.Claims.Count), positions);
            var read = StoredAnswers.ParseState(head, claims);
            Assert.Equal(FactStateJson.Serialize(folded), FactStateJson.Serialize(read));
            Assert.Equal(folded.ClaimOrder, read.ClaimOrder);
            rows++;
        }
        Assert.Equal((await FactIdsAsync()).Count, rows);
    }

    [Fact]
    public async Task A_write_on_the_stored_state_keeps_idempotency_and_optimistic_concurrency()
    {
        var factId = (await FactIdsAsync())[0];
        var desk = factory.Services.GetRequiredService<FactsDesk>();
        var version = (await factory.Services.GetRequiredService<FactReader>().StoredAsync(factId, null))!.Value.Version;
        var metadata = new EventMetadata("checker:stored", IdempotencyKey: "stored-answer-key");
        var note = new EndorseClaim(factId, await FirstClaimAsync(factId), "checker:stored", "Seen it.");

        var first = await desk.RunAsync(note, metadata);
        Assert.True(first.Accepted && !first.Duplicate);
        Assert.Equal(version + 1, first.Version);
        var again = await desk.RunAsync(note, metadata);
        Assert.True(again.Duplicate, "a repeated key is recognised without reading the stream");
        Assert.Equal(first.Version, again.Version);

        await Assert.ThrowsAsync<ConcurrencyException>(() =>
            desk.RunAsync(note with { Note = "Stale." }, new EventMetadata("checker:stored"), ExpectedVersion.Exact(version)));
    }

    [Fact]
    public async Task A_read_as_known_at_a_moment_is_the_streams_folded_up_to_then_whether_the_stored_state_or_a_fold_answers()
    {
        var store = factory.Services.GetRequiredService<ScoFactsEvents>();
        var reader = factory.Services.GetRequiredService<FactReader>();
        var (compared, folded) = (0, 0);
        foreach (var factId in await FactIdsAsync())
        {
            var events = await store.ReadStreamAsync(Fact.StreamId(factId));
            // Now and after the last event every event is known (the stored state answers); before it, only some are.
            DateTimeOffset?[] moments = [null, events[^1].RecordedAt.AddMinutes(1), events[^1].RecordedAt.AddTicks(-10), events[0].RecordedAt];
            foreach (var moment in moments)
            {
                var options = new StreamReadOptions { ToTimestamp = moment };
                var (expected, version) = await store.AggregateStreamAsync(Fact.StreamId(factId), Fact.Initial, (s, e) => Fact.Evolve(s, e.Data), options);
                var loaded = await reader.LoadAsync(factId, moment);
                if (!expected.IsDefined)
                {
                    Assert.Null(loaded);
                    continue;
                }
                Assert.NotNull(loaded);
                Assert.Equal(version, loaded.Value.Version);
                Assert.Equal(FactStateJson.Serialize(expected), FactStateJson.Serialize(loaded.Value.State));
                if (version < events[^1].StreamVersion) folded++;

                var cited = expected.ClaimsInOrder.Select(c => c.SourceId)
                    .Concat(expected.ClaimsInOrder.SelectMany(c => c.Disputes).Select(d => d.CounterEvidence?.SourceId).OfType<string>())
                    .Distinct(StringComparer.Ordinal).ToList();
                var registered = new List<string>();
                foreach (var sourceId in cited)
                {
                    var (source, _) = await store.AggregateStreamAsync(Source.StreamId(sourceId), Source.Initial, (s, e) => Source.Evolve(s, e.Data), options);
                    if (!source.IsRegistered) continue;
                    registered.Add(sourceId);
                    Assert.Equal(JsonSerializer.Serialize(source, DomainEvents.JsonOptions), JsonSerializer.Serialize(loaded.Value.Sources[sourceId], DomainEvents.JsonOptions));
                }
                Assert.Equal(registered.Order(StringComparer.Ordinal), loaded.Value.Sources.Keys.Order(StringComparer.Ordinal));
                compared++;
            }
        }
        Assert.True(compared > 40, $"only {compared} reads compared");
        Assert.True(folded > 10, $"only {folded} reads were of part of a stream");
    }

    private async Task<string> FirstClaimAsync(string factId)
    {
        await using var command = factory.DataSource.CreateCommand("SELECT min(claim_id) FROM claim_index WHERE fact_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = factId });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task<string> BodyAsync(string path)
    {
        using var response = await factory.Anonymous.GetAsync(new Uri(path, UriKind.Relative));
        Assert.True(response.IsSuccessStatusCode, path);
        return Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
    }

    private async Task<List<string>> FactIdsAsync()
    {
        var ids = new List<string>();
        await using var command = factory.DataSource.CreateCommand("SELECT fact_id FROM fact_views ORDER BY fact_id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }

    // The source with the most claims that has no editor's rating yet, and one fact citing it.
    private async Task<(string SourceId, string FactId)> MostCitedSourceAsync()
    {
        await using var command = factory.DataSource.CreateCommand(
            "SELECT c.source_id, min(c.fact_id) FROM claim_index c JOIN source_views v ON v.source_id = c.source_id " +
            "WHERE v.rated_reliability IS NULL AND c.status = 'active' GROUP BY c.source_id ORDER BY count(*) DESC, c.source_id LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no unrated source");
        return (reader.GetString(0), reader.GetString(1));
    }

    private async Task CaughtUpAsync()
    {
        await AsyncProjections.WaitForCatchUpAsync(factory.DataSource, Timeout);
    }
}
