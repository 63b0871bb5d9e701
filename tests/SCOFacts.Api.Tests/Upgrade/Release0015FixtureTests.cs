using System.IO.Compression;
using SCOFacts.Api.ReadModels;
using SCOFacts.Api.Tests.Facts;

namespace SCOFacts.Api.Tests.Upgrade;

/// <summary>Release 0015's database (tests/fixtures/release-0015): events on Marten, answers stored whole per stretch.</summary>
public sealed class Release0015DatabaseFactory : ReleaseDatabaseFactory
{
    public Release0015DatabaseFactory() : base("release-0015", "mt_events") { }
}

/// <summary>
/// A database written by release 0015, whose stored answers carry every claim in every stretch, is upgraded on start:
/// migration 0016 drops the old layout's rows and the facts read model (revision 4) is rebuilt from the log in the
/// new one, before anything is served. Every answer the release gave is then served identically, and every stored
/// answer equals a fresh reconciliation.
/// </summary>
public sealed class Release0015FixtureTests(Release0015DatabaseFactory factory) : IClassFixture<Release0015DatabaseFactory>
{
    [Fact]
    public async Task The_release_databases_stored_answers_are_rewritten_in_this_layout_on_start()
    {
        // The dump holds the release's own stored answers, one row per fact, in the layout before claims were split out.
        Assert.True(await RowsInDumpAsync("COPY public.fact_answers (fact_id, version, state, defined_at, updated_at) FROM stdin;") >= 75);
        Assert.True(await RowsInDumpAsync("COPY public.fact_answer_stretches (fact_id, valid_from, valid_to, timeless, reference_carried_from, " +
            "carried_forward_from, missing, explanation_rest, response_head, response_middle, response_tail) FROM stdin;") >= 75);

        Assert.True(factory.EventsInDump > 200, $"the dump holds {factory.EventsInDump} events");
        Assert.Equal(factory.EventsInDump, await factory.ScalarAsync("select count(*) from mt_events"));
        Assert.Equal(15, await factory.ScalarAsync("select count(*) from schema_migrations where name < '0016'"));
        Assert.Equal(1, await factory.ScalarAsync("select count(*) from schema_migrations where name = '0016_answer_claims.sql'"));
        Assert.Equal(ReadModelRevisions.FactsRevision, await factory.ScalarAsync("select revision from read_model_revisions where projection = 'facts'"));
        Assert.Equal(1, await factory.ScalarAsync("select count(*) from seed_loads"));

        // Every fact has its state again, and every claim its row, in the new layout.
        Assert.Equal(await factory.ScalarAsync("select count(*) from fact_views"), await factory.ScalarAsync("select count(*) from fact_answers"));
        Assert.Equal(await factory.ScalarAsync("select count(*) from claim_index"), await factory.ScalarAsync("select count(*) from fact_answer_claims"));
        Assert.Equal(0, await factory.ScalarAsync("select count(*) from fact_answer_stretches s where not exists (select 1 from fact_answers a where a.fact_id = s.fact_id)"));
    }

    [Fact]
    public async Task Every_answer_of_the_release_is_served_identically_on_both_time_axes()
    {
        await factory.AssertEveryAnswerServedIdenticallyAsync();
    }

    [Fact]
    public async Task Every_upgraded_facts_stored_answer_is_a_fresh_reconciliation_on_every_day()
    {
        var factIds = factory.Answers["facts"]!.AsObject().Select(f => f.Key).Order(StringComparer.Ordinal).ToList();
        var served = await StoredAnswerAssert.AllEqualAsync(factory, factIds, "release 0015 upgraded");
        Assert.True(served > factIds.Count * 5, $"only {served} reads were served from stored answers");
    }

    // The rows of one COPY block of the frozen dump.
    private async Task<int> RowsInDumpAsync(string copyLine)
    {
        await using var file = File.OpenRead(Path.Combine(factory.Folder, "scofacts.sql.gz"));
        await using var unzipped = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(unzipped);
        var (inside, rows) = (false, 0);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (inside && line == "\\.") return rows;
            if (inside) rows++;
            else if (line == copyLine) inside = true;
        }
        return inside ? rows : -1;
    }
}
