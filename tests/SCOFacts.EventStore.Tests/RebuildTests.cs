using SCOFacts.EventStore.Projections;
using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests;

public sealed class RebuildTests
{
    [Fact]
    public async Task An_inline_projection_rebuilds_to_its_live_rows_and_a_damaged_one_is_reported_and_repaired()
    {
        await using var db = await TestDatabase.CreateMigratedAsync();
        const string table = "inline_recorded";
        await RecordingProjection.CreateTableAsync(db.DataSource, table);
        var projection = new RecordingProjection("inline", table);
        var store = TestStores.Create(db.DataSource, NotifyMode.AfterCommit, projection);
        for (var i = 0; i < 50; i++)
            await store.AppendAsync($"inline-{i % 7}", ExpectedVersion.Any, [new Counted(i), new Counted(i + 1000)], TestStores.Who());
        var rebuilder = new ProjectionRebuilder(store);

        var clean = await rebuilder.RebuildAsync(projection, replace: false);
        Assert.True(clean.Matches, string.Join("\n", clean.Differences));
        Assert.Equal(100, clean.EventsReplayed);

        await TestStores.ExecuteAsync(db.DataSource, $"DELETE FROM {table} WHERE n = 7; UPDATE {table} SET n = 5000 WHERE n = 8");
        var damaged = await rebuilder.RebuildAsync(projection, replace: false);
        Assert.Equal(3, damaged.DifferenceCount);
        Assert.Contains(damaged.Differences, d => d.Side == "rebuilt-only" && d.Row.Contains("\"n\":7", StringComparison.Ordinal));
        Assert.Contains(damaged.Differences, d => d.Side == "live-only" && d.Row.Contains("\"n\":5000", StringComparison.Ordinal));
        Assert.Equal(99, await TestStores.ScalarAsync(db.DataSource, $"SELECT count(*) FROM {table}"));

        var repaired = await rebuilder.RebuildAsync(projection, replace: true);
        Assert.True(repaired.Replaced);
        Assert.True((await rebuilder.RebuildAsync(projection, replace: false)).Matches);
        Assert.Equal(100, await TestStores.ScalarAsync(db.DataSource, $"SELECT count(*) FROM {table}"));
    }
}
