using SCOFacts.EventStore.Migrations;
using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests.Migrations;

/// <summary>
/// 0005 replaced append_events and event_hash on databases that already hold events:
/// what the old functions wrote must still verify, and the chains they started must go on.
/// </summary>
public sealed class AppendUpgradeTests
{
    private const string Upgrade = "0005_cheaper_appends.sql";

    [Fact]
    public async Task Events_written_before_0005_verify_after_it_and_their_chains_continue()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var before = new MigrationFolder();
        foreach (var file in Directory.GetFiles(TestDatabase.MigrationsDirectory, "*.sql"))
        {
            var name = Path.GetFileName(file);
            if (string.CompareOrdinal(name, Upgrade) < 0) before.Write(name, File.ReadAllText(file));
        }
        await new MigrationRunner(database.DataSource, before.Path).ApplyAsync();
        Assert.Equal(0, await TestStores.ScalarAsync(database.DataSource, "SELECT count(*) FROM pg_proc WHERE proname = 'event_hash' AND prosrc LIKE '%concat_ws%'"));

        var store = TestStores.Create(database.DataSource);
        await store.AppendAsync("upgrade-1", ExpectedVersion.NoStream, [new Counted(1), new Counted(2)], TestStores.Who());
        await store.AppendAsync("upgrade-2", ExpectedVersion.NoStream, [new Counted(3)], TestStores.Who(idempotencyKey: "k"));
        var digestBefore = (await store.VerifyAsync()).Current;

        var applied = await new MigrationRunner(database.DataSource, TestDatabase.MigrationsDirectory).ApplyAsync();
        Assert.Contains(Upgrade, applied.Select(m => m.FileName));

        await store.AppendAsync("upgrade-1", ExpectedVersion.Exact(2), [new Counted(4)], TestStores.Who());
        await store.AppendAsync("upgrade-2", ExpectedVersion.Exact(1), [new Counted(5), new Counted(6)], TestStores.Who());
        await store.AppendAsync("upgrade-3", ExpectedVersion.NoStream, [new Counted(7)], TestStores.Who());
        // A key stored by the old function still answers a retry after the upgrade.
        var retry = await store.AppendAsync("upgrade-2", ExpectedVersion.Any, [new Counted(99)], TestStores.Who(idempotencyKey: "k"));

        Assert.True(retry.Duplicate);
        Assert.Equal([1L], retry.Events.Select(e => e.StreamVersion));
        var result = await store.VerifyAsync(digestBefore);
        Assert.True(result.IsValid, string.Join("; ", result.Breaks));
        Assert.True(result.ExtendsDigest);
        Assert.Equal(7, result.EventsChecked);
        Assert.Equal(3, result.StreamsChecked);
    }
}
