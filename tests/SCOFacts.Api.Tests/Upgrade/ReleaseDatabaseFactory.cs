using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SCOFacts.Api.Application;
using SCOFacts.Api.Platform;
using SCOFacts.Api.Tests.Seeding;
using SCOFacts.Testing;
using SCOFacts.Testing.ReleaseFixtures;

namespace SCOFacts.Api.Tests.Upgrade;

/// <summary>
/// The database of release 0011 (migrations 0001-0011, the seed set and later events, tests/fixtures/release-0011), restored
/// from its frozen dump into a fresh database; the app then starts on it as an upgraded server would, with today pinned to
/// the day the release's answers were taken for.
/// </summary>
public class ReleaseDatabaseFactory : ApiFactory
{
    /// <summary>Release 0011's database.</summary>
    public ReleaseDatabaseFactory() : this("release-0011", "events") { }

    /// <summary>The database of the release whose fixture is in tests/fixtures/<paramref name="release"/>.</summary>
    /// <param name="release">The fixture's folder name.</param>
    /// <param name="eventTable">The table that release kept its events in.</param>
    protected ReleaseDatabaseFactory(string release, string eventTable)
    {
        Folder = Path.Combine(RepoPaths.Root, "tests", "fixtures", release);
        EventTable = eventTable;
        Answers = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "answers.json")))!.AsObject();
    }

    /// <summary>The fixture's folder.</summary>
    public string Folder { get; }

    /// <summary>The table the release kept its events in.</summary>
    public string EventTable { get; }

    /// <summary>answers.json: what the release served, fact by fact.</summary>
    public JsonObject Answers { get; }

    /// <summary>How many events the dump holds, counted before the app started.</summary>
    public long EventsInDump { get; private set; }

    protected override async Task OnDatabaseCreatedAsync(TestDatabase database)
    {
        await PlainSqlDump.RestoreAsync(database.ConnectionString, Path.Combine(Folder, "scofacts.sql.gz"));
        await using var command = database.DataSource.CreateCommand($"select count(*) from {EventTable}");
        EventsInDump = (long)(await command.ExecuteScalarAsync())!;
    }

    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        // Started as the release that made it was, beside its seeds and without the documents (the repository does not
        // hold them): a store that has its seeds must not load them again.
        settings["Seeds:LoadOnStart"] = "true";
        settings["Seeds:Folder"] = RepoPaths.Seeds;
        settings["Seeds:Documents"] = Path.Combine(Path.GetTempPath(), "scofacts-no-documents");
    }

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        var today = DateOnly.Parse(Answers["today"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        services.AddSingleton(sp => new FactReader(sp.GetRequiredService<NpgsqlDataSource>(),
            new PinnedClock(new DateTimeOffset(today, TimeOnly.MinValue, TimeSpan.Zero)), sp.GetRequiredService<ReadDataSource>()));
    }

    /// <summary>A single number from the restored database.</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Every fact's answer the release recorded (each on its dates and instants) is what the upgraded API serves now.
    /// </summary>
    public async Task AssertEveryAnswerServedIdenticallyAsync()
    {
        var axes = new AnswerAxes(
            Answers["validAt"]!.AsArray().Select(v => v!.GetValue<string>()).ToList(),
            Answers["knownAt"]!.AsArray().Select(k => DateTimeOffset.Parse(k!["at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToList());
        var expected = Answers["facts"]!.AsObject();
        // A cut-down file must not pass by pinning little: the release has 75 facts, each on 8 dates and 9 instants.
        Assert.Equal(75, expected.Count);
        Assert.Equal(8, axes.ValidAt.Count);
        Assert.Equal(9, axes.KnownAt.Count);

        Assert.Equal(expected.Select(f => f.Key).Order(StringComparer.Ordinal), await FactAnswers.FactIdsAsync(Anonymous));
        var differences = new List<string>();
        foreach (var (factId, answer) in expected)
        {
            var served = await FactAnswers.FetchAsync(Anonymous, factId, axes);
            differences.AddRange(FactAnswers.Differences(answer, served, factId));
        }
        Assert.True(differences.Count == 0, $"{differences.Count} differences:\n{string.Join('\n', differences.Take(40))}");
    }
}
