
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
        await factory.AssertEveryAnswerServedIdenticallyAsync();
    }
}
