using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SCOFacts.Api.Application;
using SCOFacts.Api.Tests.Seeding;
using SCOFacts.Testing;
using SCOFacts.Testing.ReleaseFixtures;

namespace SCOFacts.Api.Tests.Upgrade;

/// <summary>
/// The database of release 0011 (migrations 0001-0011, the seed set and later events, tests/fixtures/release-0011), restored
/// from its frozen dump into a fresh database; the app then starts on it as an upgraded server would, with today pinned to
/// the day the release's answers were taken for.
/// </summary>
public sealed class ReleaseDatabaseFactory : ApiFactory
{
    /// <summary>The fixture's folder.</summary>
    public static string Folder => Path.Combine(RepoPaths.Root, "tests", "fixtures", "release-0011");

    /// <summary>answers.json: what release 0011 served, fact by fact.</summary>
    public JsonObject Answers { get; } = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "answers.json")))!.AsObject();

    /// <summary>How many events the dump holds, counted before the app started.</summary>
    public long EventsInDump { get; private set; }

    protected override async Task OnDatabaseCreatedAsync(TestDatabase database)
    {
        await PlainSqlDump.RestoreAsync(database.ConnectionString, Path.Combine(Folder, "scofacts.sql.gz"));
        await using var command = database.DataSource.CreateCommand("select count(*) from events");
        EventsInDump = (long)(await command.ExecuteScalarAsync())!;
    }

    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        // Started as a release is, beside its seeds and documents: a store that has them must not load them again.
        settings["Seeds:LoadOnStart"] = "true";
        settings["Seeds:Folder"] = RepoPaths.Seeds;
        settings["Seeds:Documents"] = RepoPaths.Documents;
    }

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        var today = DateOnly.Parse(Answers["today"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        services.AddSingleton(sp => new FactReader(sp.GetRequiredService<EventStore.EventStore>(), sp.GetRequiredService<NpgsqlDataSource>(),
            new PinnedClock(new DateTimeOffset(today, TimeOnly.MinValue, TimeSpan.Zero))));
    }

    /// <summary>A single number from the restored database.</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// A database made by release 0011 is served as that release served it: every fact's answer now, at each valid-time date,
/// as known at each instant between its events, its timelines and its history. Whatever later changes how events are
/// stored must keep this passing.
/// </summary>
public sealed class ReleaseFixtureTests(ReleaseDatabaseFactory factory) : IClassFixture<ReleaseDatabaseFactory>
{
    [Fact]
    public async Task The_app_starts_on_the_release_database_without_migrating_or_seeding_it_again()
    {
        Assert.True(factory.EventsInDump > 200, $"the dump holds {factory.EventsInDump} events");
        Assert.Equal(factory.EventsInDump, await factory.ScalarAsync("select count(*) from events"));
        Assert.Equal(11, await factory.ScalarAsync("select count(*) from schema_migrations where name < '0012'"));
        Assert.Equal(1, await factory.ScalarAsync("select count(*) from seed_loads"));
    }

    [Fact]
    public async Task Every_answer_of_the_release_is_served_identically_on_both_time_axes()
    {
        var answers = factory.Answers;
        var axes = new AnswerAxes(
            answers["validAt"]!.AsArray().Select(v => v!.GetValue<string>()).ToList(),
            answers["knownAt"]!.AsArray().Select(k => DateTimeOffset.Parse(k!["at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToList());
        var expected = answers["facts"]!.AsObject();
        // A cut-down file must not pass by pinning little: the release has 75 facts, each on 8 dates and 9 instants.
        Assert.Equal(75, expected.Count);
        Assert.Equal(8, axes.ValidAt.Count);
        Assert.Equal(9, axes.KnownAt.Count);

        Assert.Equal(expected.Select(f => f.Key).Order(StringComparer.Ordinal), await FactAnswers.FactIdsAsync(factory.Anonymous));
        var differences = new List<string>();
        foreach (var (factId, answer) in expected)
        {
            var served = await FactAnswers.FetchAsync(factory.Anonymous, factId, axes);
            differences.AddRange(FactAnswers.Differences(answer, served, factId));
        }
        Assert.True(differences.Count == 0, $"{differences.Count} differences:\n{string.Join('\n', differences.Take(40))}");
    }
}
