using System.Net.Http.Json;
using System.Text.Json;
using SCOFacts.Testing;
using static SCOFacts.Api.Tests.Jobs.JobsApiTalk;

namespace SCOFacts.Api.Tests.Jobs;

/// <summary>A job outlives its process: stopped mid-way, it runs again on the next process and ends exactly once.</summary>
public sealed class JobRestartTests
{
    [Fact]
    public async Task An_import_stopped_mid_way_finishes_on_the_next_host_with_every_claim_stored_once()
    {
        var first = new JobsFactory();
        await ((IAsyncLifetime)first).InitializeAsync();
        try
        {
            var prefix = "r" + Guid.NewGuid().ToString("N")[..10];
            var (items, _, facts, claims) = Batch(prefix, 25, 24);
            using var response = await ImportAsync(first.Editor, Lines(items));
            var id = (await AcceptedAsync(response)).GetProperty("id").GetString()!;
            await Wait.UntilAsync(async () => (await JobAsync(first.Anonymous, id)).GetProperty("progress").GetProperty("done").GetInt64() > 0,
                JobTimeout, "the import has recorded some items");

            // Stopped as a deployment stops it; the job has not ended, and waits in the queue for its next run.
            await first.DisposeAsync();
            var stopped = await RowAsync(first, id);
            Assert.Equal("queued", stopped.State);
            Assert.True(stopped.Done < items.Count, $"the import finished ({stopped.Done} items) before its host stopped");

            await using var second = new RestartedFactory(first.Database.ConnectionString, first.LedgerKeyPath);
            await second.StartAsync();
            using var anonymous = second.CreateClientWithKey(null);
            var job = await EndedAsync(anonymous, id);

            Assert.Equal("succeeded", job.GetProperty("state").GetString());
            Assert.Equal(2, job.GetProperty("attempts").GetInt32());
            var result = job.GetProperty("result");
            // The second attempt finds what the first stored under the same keys: skipped, not stored again.
            Assert.Equal(items.Count, result.GetProperty("recorded").GetInt32() + result.GetProperty("skipped").GetInt32());
            Assert.True(result.GetProperty("skipped").GetInt32() > 0);
            Assert.Equal(0, result.GetProperty("rejected").GetArrayLength());
            Assert.Equal(0, result.GetProperty("conflicts").GetArrayLength());

            // Every fact defined once and every claim recorded once: one event each in the facts' streams.
            await using var command = first.DataSource.CreateCommand("select count(*) from mt_events where stream_id = any($1)");
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = facts.Select(f => $"fact-{f}").ToArray() });
            Assert.Equal(facts.Count + claims.Count, Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
            var claimsOfOne = await anonymous.GetFromJsonAsync<JsonElement>($"/api/facts/{facts[^1]}/claims?limit=100");
            Assert.Equal(24, claimsOfOne.GetProperty("items").GetArrayLength());

            // The message was handled once more and is gone: nothing left to run it a third time.
            await using var left = first.DataSource.CreateCommand(
                "select count(*) from wolverine.wolverine_incoming_envelopes where message_type like '%RunJob%' and status <> 'Handled'");
            Assert.Equal(0L, (long)(await left.ExecuteScalarAsync())!);
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
        }
    }

    private static async Task<(string State, long Done)> RowAsync(ApiFactory factory, string id)
    {
        await using var command = factory.DataSource.CreateCommand("select state, done from jobs where job_id = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Guid.Parse(id) });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetInt64(1));
    }
}
