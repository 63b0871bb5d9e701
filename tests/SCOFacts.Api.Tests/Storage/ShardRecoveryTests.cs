using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SCOFacts.Api.Storage;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.Storage;

/// <summary>
/// A shard whose stored progression moved under it (another process ran it for a moment, as after its lock connection
/// was ended) fails its next batch with Marten's out-of-order progression error. It must not stay stopped: the node
/// holding the shard starts it again from the stored progression, and it catches up.
/// </summary>
public sealed class ShardRecoveryTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_shard_whose_progression_moved_under_it_starts_again_from_the_stored_progression_and_catches_up()
    {
        await RegisterSourceAsync(factory, "rec-wire", "Wire");
        await DefineQuantityAsync(factory, "rec.share", "percent");
        await RecordAsync(factory.Checker, "rec.share", "rec-1", "rec-wire", Quantity("41", "percent"), At("2024"));
        await TrustCaughtUpAsync(factory);

        // What a second worker's late batch leaves behind: the stored progression is not where this node's agent
        // left it, so its next update finds no row at the floor it expects.
        await using (var move = factory.DataSource.CreateCommand(
            "UPDATE mt_event_progression SET last_seq_id = last_seq_id - 1 WHERE name = $1"))
        {
            move.Parameters.Add(new NpgsqlParameter { Value = AsyncProjections.TrustName + ":All" });
            Assert.Equal(1, await move.ExecuteNonQueryAsync());
        }
        await RecordAsync(factory.Checker, "rec.share", "rec-2", "rec-wire", Quantity("42", "percent"), At("2025"));

        await AsyncProjections.WaitForCatchUpAsync(factory.DataSource, TimeSpan.FromSeconds(30));
        Assert.True(factory.Services.GetRequiredService<ShardWatchdog>().Restarts >= 1, "the shard caught up without being started again");
    }
}
