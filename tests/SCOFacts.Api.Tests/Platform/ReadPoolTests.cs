using System.Net;
using Npgsql;
using SCOFacts.Api.Platform;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.Platform;

/// <summary>
/// Plain reads go through a multiplexed pool of their own beside the main one: it must serve them, and never hold more
/// sessions on the server than its bound, however many clients read at once.
/// </summary>
public sealed class ReadPoolTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const int Clients = 32;

    [Fact]
    public async Task Thirty_two_clients_reading_at_once_hold_no_more_than_the_read_pools_bound_of_sessions()
    {
        await RegisterSourceAsync(factory, "rp-wire", "Wire");
        await DefineQuantityAsync(factory, "rp.read", "percent");
        await RecordAsync(factory.Checker, "rp.read", "rp-1", "rp-wire", Quantity("41", "percent"), At("2025"));
        // The learned weight moves the answer once, after the write: every read below comes after that.
        await TrustCaughtUpAsync(factory);
        var expected = await factory.Anonymous.GetStringAsync(new Uri("/api/facts/rp.read", UriKind.Relative));

        var bodies = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            var seen = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                using var response = await factory.Anonymous.GetAsync(new Uri("/api/facts/rp.read", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                seen.Add(await response.Content.ReadAsStringAsync());
            }
            return seen;
        }));
        Assert.All(bodies.SelectMany(b => b), body => Assert.Equal(expected, body));

        // Idle pooled sessions stay open for minutes, so those the reads opened are all still there to count.
        await using var count = factory.DataSource.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1");
        count.Parameters.Add(new NpgsqlParameter { Value = ReadDataSource.ApplicationName });
        var sessions = (long)(await count.ExecuteScalarAsync())!;
        Assert.InRange(sessions, 1, ReadDataSource.MaxConnections);
    }
}
