using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SCOFacts.Api.Ledger;
using SCOFacts.Api.Storage;
using SCOFacts.Api.Tests.Facts;

namespace SCOFacts.Api.Tests.Ledger;

/// <summary>The desk's ledger page: the latest signed checkpoint over the product's own events, and nothing left unsealed.</summary>
public sealed class LedgerDeskPageTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task The_ledger_page_shows_the_signed_tree_of_every_event_written_and_no_sealing_lag()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync(subject: Scenario.Id("ledger-page"));
        await factory.RecordClaimAsync(fact, source);
        await AsyncProjections.WaitForCatchUpAsync(factory.DataSource, TimeSpan.FromSeconds(30));
        await factory.Services.GetRequiredService<LedgerCheckpointSigner>().SignNowAsync();

        await using var count = factory.DataSource.CreateCommand("SELECT count(*) FROM mt_events");
        var events = (long)(await count.ExecuteScalarAsync())!;
        Assert.True(events >= 3, $"only {events} events");

        using var response = await factory.Anonymous.GetAsync(new Uri("/ledger", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains($"data-testid=\"tree-size\">{events.ToString(CultureInfo.InvariantCulture)}<", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"sealing-lag\">0 events waiting to be sealed.", page, StringComparison.Ordinal);
        // The signed note names the same size on its second line.
        Assert.Contains($"\n{events.ToString(CultureInfo.InvariantCulture)}\n", WebUtility.HtmlDecode(page), StringComparison.Ordinal);
    }
}
