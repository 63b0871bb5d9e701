using SCOFacts.Api.Platform;
using static Microsoft.Playwright.Assertions;

namespace SCOFacts.Desk.Tests;

/// <summary>The main pages render whole, at desktop width and at 375 px, and their pictures go to docs/screenshots for the README.</summary>
[Collection(DeskCollection.Name)]
public sealed class ScreenshotTests(DeskHost host)
{
    [Fact]
    public async Task The_main_pages_render_and_are_photographed_for_the_readme()
    {
        var editor = await host.OpenAsync(Roles.Editor);
        await editor.GotoAsync("/?sort=confidence");
        await Expect(editor.GetByTestId("facts").Locator("li").First).ToBeVisibleAsync();
        await DeskHost.ScreenshotAsync(editor, "facts");

        await editor.GotoAsync("/facts/sco-development-bank.status?validAt=2025-11-21");
        await Expect(editor.GetByTestId("timeline").Locator("[data-testid=band]").First).ToBeVisibleAsync();
        await Expect(editor.GetByTestId("timeline").Locator("[data-disputed=true]")).Not.ToHaveCountAsync(0);
        await DeskHost.ScreenshotAsync(editor, "fact");

        await editor.GotoAsync("/facts/sco.population-share-of-world");
        await Expect(editor.GetByTestId("timeline").Locator("[data-testid=band]")).Not.ToHaveCountAsync(0);
        await DeskHost.ScreenshotAsync(editor, "fact-quantity");

        await editor.GotoAsync("/sources/umarov-carnegie-2025");
        // Not photographed: the seed documents' text stays out of the repository (the selection test's own document is).
        await Expect(editor.GetByTestId("source-claims").Locator("li").First).ToBeVisibleAsync();

        await editor.GotoAsync("/review");
        await Expect(editor.GetByTestId("contested").Locator("li").First).ToBeVisibleAsync();
        await DeskHost.ScreenshotAsync(editor, "review");
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/facts/sco-development-bank.status")]
    [InlineData("/sources/umarov-carnegie-2025")]
    [InlineData("/review")]
    public async Task At_375_px_wide_a_page_needs_no_sideways_scrolling(string path)
    {
        var page = await host.OpenAsync(Roles.Checker, width: 375, height: 812);
        await page.GotoAsync(path);
        await Expect(page.Locator("main h1")).ToBeVisibleAsync();
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 375, $"{path} is {width} px wide at a 375 px viewport");
        if (path.StartsWith("/facts/", StringComparison.Ordinal)) await DeskHost.ScreenshotAsync(page, "fact-375px");
    }

    [Fact]
    public async Task The_keyboard_reaches_the_skip_link_first_and_it_moves_focus_to_the_content()
    {
        var page = await host.OpenAsync();
        await page.GotoAsync("/");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator(":focus")).ToHaveTextAsync("Skip to content");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("main:focus")).ToHaveCountAsync(1);
        // Every form control on the list page has a label.
        var unlabelled = await page.EvaluateAsync<int>(
            "() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(e => !e.labels || e.labels.length === 0).length");
        Assert.Equal(0, unlabelled);
    }
}
