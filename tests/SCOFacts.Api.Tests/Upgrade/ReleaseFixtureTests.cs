using System.Globalization;
using SCOFacts.Testing.ReleaseFixtures;

namespace SCOFacts.Api.Tests.Upgrade;

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
            answers["knownAt"]!.AsArray().Select(k => DateTimeOffset.Parse(k!["at"]!.GetValue<string>(), CultureInfo.InvariantCulture)).ToList());
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
