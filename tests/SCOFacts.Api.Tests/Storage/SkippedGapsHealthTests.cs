using System.Net;
using System.Text.Json;

namespace SCOFacts.Api.Tests.Storage;

/// <summary>A gap the daemon skipped in the event sequence is reported by readiness, never silent.</summary>
public sealed class SkippedGapsHealthTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Readiness_turns_degraded_once_the_daemon_has_skipped_a_gap()
    {
        Assert.Equal("Healthy", (await EventGapsAsync()).Status);

        // What Marten's daemon writes when it declares a gap dead and moves past it.
        await using (var command = factory.DataSource.CreateCommand("INSERT INTO mt_high_water_skips (ending_sequence, starting_sequence) VALUES (41, 37)"))
            await command.ExecuteNonQueryAsync();

        var (status, description) = await EventGapsAsync();
        Assert.Equal("Degraded", status);
        Assert.Contains("skipped 1 gap in the event sequence, between 37 and 41", description, StringComparison.Ordinal);
    }

    private async Task<(string Status, string Description)> EventGapsAsync()
    {
        using var response = await factory.Anonymous.GetAsync("/health/ready");
        // Degraded still answers 200: the service works, an operator should look.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var check = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "event-gaps");
        return (check.GetProperty("status").GetString()!, check.GetProperty("description").GetString()!);
    }
}
