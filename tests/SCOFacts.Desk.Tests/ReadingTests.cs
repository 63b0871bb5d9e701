using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SCOFacts.Desk.Tests;

/// <summary>Reading: the fact list's search and filters, and a fact on two valid-time dates and at a past moment.</summary>
[Collection(DeskCollection.Name)]
public sealed class ReadingTests(DeskHost host)
{
    [Fact]
    public async Task A_fact_reads_differently_at_two_valid_dates_picked_on_its_page()
    {
        var page = await host.OpenAsync();
        await page.GotoAsync("/facts/sco.population-share-of-world");

        await page.GetByLabel("True in the world on (valid time)").FillAsync("2017-01-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("validAt=2017-01-01"));
        await Expect(page.GetByTestId("value")).ToHaveTextAsync("44 percent");
        await Expect(page.GetByTestId("verdict")).ToHaveTextAsync("single-source");
        await Expect(page.GetByTestId("claims-for").GetByTestId("claim")).ToHaveCountAsync(1);

        await page.GetByLabel("True in the world on (valid time)").FillAsync("2025-09-15");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page.GetByTestId("value")).ToHaveTextAsync("nearly half");
        await Expect(page.GetByTestId("verdict")).ToHaveTextAsync("consensus");
        await Expect(page.GetByTestId("claims-for").GetByTestId("claim")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("timeline")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("history").Locator("tbody tr").First).ToContainTextAsync("defined the fact");
    }

    [Fact]
    public async Task Before_the_fact_was_known_its_page_says_so()
    {
        var page = await host.OpenAsync();
        var response = await page.GotoAsync("/facts/sco.population-share-of-world?knownAt=2001-01-01T00:00:00Z");
        Assert.Equal(404, response!.Status);
        await Expect(page.GetByTestId("problem")).ToContainTextAsync("was known at");
    }

    [Fact]
    public async Task Search_finds_facts_by_description_and_by_words_only_a_quote_holds_and_filters_narrow_it()
    {
        var page = await host.OpenAsync();
        await page.GotoAsync("/");
        await page.GetByLabel("Search subject, property, description and quotes").FillAsync("development bank");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        var rows = page.GetByTestId("facts").Locator("li");
        await Expect(rows.Filter(new() { HasText = "sco-development-bank.status" })).ToHaveCountAsync(1);
        await Expect(rows.Filter(new() { HasText = "sco.population-share-of-world" })).ToHaveCountAsync(0);

        // Filtering by the bank's own verdict keeps it and leaves only facts with that verdict.
        var verdict = (await rows.Filter(new() { HasText = "sco-development-bank.status" }).Locator(".badge").TextContentAsync())!.Trim();
        await page.GetByLabel("Verdict").SelectOptionAsync(verdict);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("verdict=" + verdict));
        await Expect(rows.Filter(new() { HasText = "sco-development-bank.status" })).ToHaveCountAsync(1);
        foreach (var badge in await page.GetByTestId("facts").Locator(".badge").AllTextContentsAsync())
            Assert.Equal(verdict, badge.Trim());

        // A word only a quote holds: no fact's subject, property or description says "Samarkand".
        await page.GotoAsync("/?q=samarkand");
        await Expect(rows.Filter(new() { HasText = "sco-summit.2022.host-city" })).ToHaveCountAsync(1);
        await page.GotoAsync("/?q=zzzqqq");
        await Expect(rows).ToHaveCountAsync(0);
        await Expect(page.GetByText("No fact matches.")).ToBeVisibleAsync();
    }
}
