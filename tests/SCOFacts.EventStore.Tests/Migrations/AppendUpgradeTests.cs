using SCOFacts.EventStore.Migrations;
using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests.Migrations;

/// <summary>
/// 0005 replaced append_events and event_hash, and 0006 added append_event, on databases that
/// already hold events: what the old functions wrote must still verify, and the chains they
/// started must go on through both functions.
/// </summary>
public sealed class AppendUpgradeTests
{
    private const string FirstReplacement = "0005_cheaper_appends.sql";

    [Fact]
    public async Task Events_written_before_the_append_functions_were_replaced_verify_after_and_their_chains_continue()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var before = new MigrationFolder();
        foreach (var file in Directory.GetFiles(TestDatabase.MigrationsDirectory, "*.sql"))
        {
            var name = Path.GetFileName(file);
            if (string.CompareOrdinal(name, FirstReplacement) < 0) before.Write(name, File.ReadAllText(file));
        }
        await new MigrationRunner(database.DataSource, before.Path).ApplyAsync();
        Assert.Equal(0, await TestStores.ScalarAsync(database.DataSource, "SELECT count(*) FROM pg_proc WHERE proname = 'event_hash' AND prosrc LIKE '%concat_ws%'"));
        Assert.Equal(0, await TestStores.ScalarAsync(database.DataSource, "SELECT count(*) FROM pg_proc WHERE proname = 'append_event'"));

        // Written as the releases did then: every append through append_events.
        var store = TestStores.Create(database.DataSource);
        await LegacyLog.AppendAsync(database.DataSource, "upgrade-1", -1, [new Counted(1), new Counted(2)], TestStores.Who(), singleEventFunction: false);
        await LegacyLog.AppendAsync(database.DataSource, "upgrade-2", -1, [new Counted(3)], TestStores.Who(idempotencyKey: "k"), singleEventFunction: false);
        var digestBefore = (await store.VerifyAsync()).Current;

        var applied = await new MigrationRunner(database.DataSource, TestDatabase.MigrationsDirectory).ApplyAsync();
        Assert.Contains(FirstReplacement, applied.Select(m => m.FileName));
        Assert.Contains("0006_single_event_append.sql", applied.Select(m => m.FileName));

        await LegacyLog.AppendAsync(database.DataSource, "upgrade-1", 2, [new Counted(4)], TestStores.Who());
        await LegacyLog.AppendAsync(database.DataSource, "upgrade-2", 1, [new Counted(5), new Counted(6)], TestStores.Who());
        await LegacyLog.AppendAsync(database.DataSource, "upgrade-3", -1, [new Counted(7)], TestStores.Who());
        // A key stored by the old function still answers a retry, now through append_event.
        var retry = Assert.Single(await LegacyLog.AppendAsync(database.DataSource, "upgrade-2", -2, [new Counted(99)], TestStores.Who(idempotencyKey: "k")));

        Assert.True(retry.Duplicate);
        Assert.Equal(1L, retry.StreamVersion);
        var result = await store.VerifyAsync(digestBefore);
        Assert.True(result.IsValid, string.Join("; ", result.Breaks));
        Assert.True(result.ExtendsDigest);
        Assert.Equal(7, result.EventsChecked);
        Assert.Equal(3, result.StreamsChecked);
    }
}
