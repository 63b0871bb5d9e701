using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SCOFacts.Api.ReadModels;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>
/// A database written by an older release holds answers computed by older rules ("about 24 years" for an exact 24).
/// The start rebuilds the facts read model once, records the revision, and leaves a current one alone.
/// </summary>
public sealed class ReadModelRevisionTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_start_records_the_current_revision_of_the_facts_read_model()
    {
        Assert.Equal(ReadModelRevisions.FactsRevision, await RevisionAsync());
        Assert.False(await factory.Services.GetRequiredService<ReadModelRevisions>().EnsureCurrentAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Answers_stored_by_older_rules_are_rebuilt_from_the_log()
    {
        var source = await factory.RegisterSourceAsync("Revision Wire");
        var fact = await factory.DefineQuantityFactAsync(Scenario.Id("sco.age-rev"));
        await factory.RecordClaimAsync(fact, source, """{ "kind": "quantity", "amount": "24", "unit": "year", "approx": "exact" }""");
        var current = await ViewAsync(fact);
        Assert.Equal("24 years", current.Display);

        // What the previous release stored, and no revision recorded yet.
        await ExecuteAsync("UPDATE fact_views SET value_display = 'about 24 years', value_upper = 24.5 WHERE fact_id = $1", fact);
        await ExecuteAsync("DELETE FROM read_model_revisions");

        Assert.True(await factory.Services.GetRequiredService<ReadModelRevisions>().EnsureCurrentAsync(CancellationToken.None));

        Assert.Equal(current, await ViewAsync(fact));
        Assert.Equal(ReadModelRevisions.FactsRevision, await RevisionAsync());
    }

    private async Task<(string? Display, double? Upper)> ViewAsync(string factId)
    {
        await using var command = factory.DataSource.CreateCommand("SELECT value_display, value_upper FROM fact_views WHERE fact_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = factId });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no fact_views row for {factId}");
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetDouble(1));
    }

    private async Task<int?> RevisionAsync()
    {
        await using var command = factory.DataSource.CreateCommand("SELECT revision FROM read_model_revisions WHERE projection = 'facts'");
        return await command.ExecuteScalarAsync() as int?;
    }

    private async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = factory.DataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        await command.ExecuteNonQueryAsync();
    }
}
