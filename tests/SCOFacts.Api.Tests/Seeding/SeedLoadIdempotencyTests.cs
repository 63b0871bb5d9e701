using Microsoft.Extensions.DependencyInjection;
using SCOFacts.Api.Seeding;

namespace SCOFacts.Api.Tests.Seeding;

/// <summary>Loading the seed set again, or after a load that stopped half-way, stores nothing twice.</summary>
public sealed class SeedReloadTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Name = "reload-test";

    [Fact]
    public async Task A_second_load_records_nothing_and_skips_everything()
    {
        var seeds = SeedSet.Load(RepoPaths.Seeds);
        var loader = factory.Services.GetRequiredService<SeedLoader>();
        var total = seeds.Sources.Count + seeds.Facts.Count + seeds.Claims.Count + seeds.Actions.Count;

        var first = await loader.LoadAsync(seeds, Name);
        Assert.Empty(first.Rejected);
        Assert.Equal(total, first.Recorded);
        Assert.True(await loader.IsLoadedAsync(Name, CancellationToken.None));
        var events = await SeedCounts.EventsAsync(factory);
        var positions = await SeedCounts.LastPositionAsync(factory);

        var second = await loader.LoadAsync(seeds, Name);

        Assert.Empty(second.Rejected);
        Assert.Equal(0, second.Recorded);
        Assert.Equal(total, second.Skipped);
        Assert.Equal(events, await SeedCounts.EventsAsync(factory));
        Assert.Equal(positions, await SeedCounts.LastPositionAsync(factory));
        Assert.Equal(1, await SeedCounts.ScalarAsync(factory, "select count(*) from seed_loads where name = $1", Name));
    }
}

public sealed class SeedInterruptedLoadTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Name = "interrupted-test";

    [Fact]
    public async Task A_load_cancelled_half_way_then_completed_stores_each_claim_once()
    {
        var seeds = SeedSet.Load(RepoPaths.Seeds);
        var loader = factory.Services.GetRequiredService<SeedLoader>();

        // Stop as the loader reports its 50th claim (the items before the claims are the sources and the facts), as a crash
        // or Ctrl-C during the first start would.
        using var stop = new CancellationTokenSource();
        var fiftiethClaim = seeds.Sources.Count + seeds.Facts.Count + 50;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loader.LoadAsync(seeds, Name, new OnReport(done =>
        {
            if (done == fiftiethClaim) stop.Cancel();
        }), stop.Token));

        var recordedBefore = await SeedCounts.ClaimsRecordedAsync(factory);
        Assert.InRange(recordedBefore, 1, seeds.Claims.Count - 1);
        Assert.False(await loader.IsLoadedAsync(Name, CancellationToken.None));

        var completed = await loader.LoadAsync(seeds, Name);

        Assert.Empty(completed.Rejected);
        Assert.True(await loader.IsLoadedAsync(Name, CancellationToken.None));
        Assert.Equal(seeds.Claims.Count, await SeedCounts.ClaimsRecordedAsync(factory));
        Assert.Equal(0, await SeedCounts.ScalarAsync(factory,
            "select count(*) from (select data->>'claimId' from mt_events where type = 'ClaimRecorded' group by 1 having count(*) > 1) twice"));
        // The resumed load skipped exactly what the first one had stored: the sources, the facts and the claims before the stop.
        Assert.Equal(seeds.Sources.Count + seeds.Facts.Count + recordedBefore, completed.Skipped);
        Assert.Equal(seeds.Claims.Count - recordedBefore + seeds.Actions.Count, completed.Recorded);
    }

    /// <summary>Hears each report as it is made (<see cref="Progress{T}"/> would post it to the thread pool, too late to stop at).</summary>
    private sealed class OnReport(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}

public sealed class SeedTruncatedLoadTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_truncated_seed_set_then_the_full_one_stores_each_claim_once()
    {
        var seeds = SeedSet.Load(RepoPaths.Seeds);
        var loader = factory.Services.GetRequiredService<SeedLoader>();
        var half = seeds with { Claims = seeds.Claims.Take(seeds.Claims.Count / 2).ToList(), Actions = [] };

        var partial = await loader.LoadAsync(half, "truncated-test");
        var full = await loader.LoadAsync(seeds, "truncated-test");

        Assert.Empty(partial.Rejected);
        Assert.Empty(full.Rejected);
        Assert.Equal(seeds.Sources.Count + seeds.Facts.Count + half.Claims.Count, partial.Recorded);
        Assert.Equal(seeds.Sources.Count + seeds.Facts.Count + half.Claims.Count, full.Skipped);
        Assert.Equal(seeds.Claims.Count - half.Claims.Count + seeds.Actions.Count, full.Recorded);
        Assert.Equal(seeds.Claims.Count, await SeedCounts.ClaimsRecordedAsync(factory));
        Assert.Equal(0, await SeedCounts.ScalarAsync(factory,
            "select count(*) from (select data->>'claimId' from mt_events where type = 'ClaimRecorded' group by 1 having count(*) > 1) twice"));
    }
}

internal static class SeedCounts
{
    public static Task<long> EventsAsync(ApiFactory factory) => ScalarAsync(factory, "select count(*) from mt_events");

    public static Task<long> LastPositionAsync(ApiFactory factory) => ScalarAsync(factory, "select coalesce(max(seq_id), 0) from mt_events");

    public static Task<long> ClaimsRecordedAsync(ApiFactory factory) =>
        ScalarAsync(factory, "select count(*) from mt_events where type = 'ClaimRecorded'");

    public static async Task<long> ScalarAsync(ApiFactory factory, string sql, params object[] parameters)
    {
        await using var command = factory.DataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = p });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
