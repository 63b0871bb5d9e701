using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SCOFacts.Api.Platform;
using static Microsoft.Playwright.Assertions;

namespace SCOFacts.Desk.Tests;

/// <summary>Checkers' and editors' work on the desk: recording, disputing, resolving, and every refusal as the API words it.</summary>
[Collection(DeskCollection.Name)]
public sealed class WritingTests(DeskHost host)
{
    [Fact]
    public async Task A_dispute_and_its_resolution_change_the_verdict_live_on_a_page_open_elsewhere()
    {
        var s = await Scenario.ContestedAsync(host);
        var reader = await host.OpenAsync();
        await reader.GotoAsync($"/facts/{s.FactId}?validAt=2025-06-01");
        await Expect(reader.GetByTestId("verdict")).ToHaveTextAsync("contested");
        await Expect(reader.Locator("#live[data-live-connected=true]")).ToHaveCountAsync(1);
        await reader.EvaluateAsync("() => { window.deskNotReloaded = true; }");

        var checker = await host.OpenAsync(Roles.Checker);
        await checker.GotoAsync($"/facts/{s.FactId}?validAt=2025-06-01");
        var claim = checker.Locator($"#claim-{s.ClaimClosed}");
        await claim.Locator("summary", new() { HasText = "Dispute" }).ClickAsync();
        await claim.GetByLabel("Why is it doubted?").FillAsync("The Herald's photo shows last year's gate.");
        await claim.GetByRole(AriaRole.Button, new() { Name = "Dispute" }).ClickAsync();
        await Expect(checker.GetByRole(AriaRole.Status)).ToContainTextAsync($"Claim {s.ClaimClosed} disputed.");

        // The reader's page shows the open dispute without a reload.
        await Expect(reader.Locator($"#claim-{s.ClaimClosed}").GetByTestId("dispute")).ToContainTextAsync("Dispute open");

        var editor = await host.OpenAsync(Roles.Editor);
        await editor.GotoAsync("/review");
        var queued = editor.Locator($"[data-testid=open-dispute][data-claim-id='{s.ClaimClosed}']");
        await queued.GetByLabel("Uphold").CheckAsync();
        await queued.GetByPlaceholder("Editor's note").FillAsync("Confirmed with the photographer.");
        await queued.GetByRole(AriaRole.Button, new() { Name = "Resolve" }).ClickAsync();
        await Expect(editor.GetByRole(AriaRole.Status)).ToContainTextAsync("upheld");
        await Expect(editor.Locator($"[data-testid=open-dispute][data-claim-id='{s.ClaimClosed}']")).ToHaveCountAsync(0);

        await Expect(reader.GetByTestId("verdict")).ToHaveTextAsync("settled");
        await Expect(reader.GetByTestId("value")).ToHaveTextAsync("open");
        await Expect(reader.GetByTestId("claims-excluded").GetByTestId("claim")).ToHaveCountAsync(1);
        await Expect(reader.Locator("#live-status")).ToContainTextAsync("settled");
        Assert.True(await reader.EvaluateAsync<bool>("() => window.deskNotReloaded === true"), "the reader's page was reloaded");
        await Expect(reader.GetByTestId("history").Locator("tbody tr").Last).ToContainTextAsync("upheld the dispute");
    }

    [Fact]
    public async Task From_the_review_queue_a_checker_endorses_and_an_editor_retracts()
    {
        var s = await Scenario.ContestedAsync(host);
        var checker = await host.OpenAsync(Roles.Checker);
        await checker.GotoAsync("/review");
        var fact = checker.GetByTestId("contested-fact").Filter(new() { HasText = $"test gate {s.Tag}" });
        await fact.Locator("summary", new() { HasText = "Claims for and against" }).ClickAsync();
        await fact.Locator($"#claim-{s.ClaimOpen}").GetByRole(AriaRole.Button, new() { Name = "Endorse" }).ClickAsync();
        await Expect(checker.GetByRole(AriaRole.Status)).ToContainTextAsync($"Claim {s.ClaimOpen} endorsed.");
        await Expect(checker).ToHaveURLAsync(new Regex("/review$"));
        await Expect(checker.GetByText("Retract", new() { Exact = true })).ToHaveCountAsync(0);

        var editor = await host.OpenAsync(Roles.Editor);
        await editor.GotoAsync("/review");
        var same = editor.GetByTestId("contested-fact").Filter(new() { HasText = $"test gate {s.Tag}" });
        await same.Locator("summary", new() { HasText = "Claims for and against" }).ClickAsync();
        var card = same.Locator($"#claim-{s.ClaimClosed}");
        await card.Locator("summary", new() { HasText = "Retract" }).ClickAsync();
        await card.GetByLabel("Why does it no longer count?").FillAsync("Recorded from the wrong edition.");
        await card.GetByRole(AriaRole.Button, new() { Name = "Retract" }).ClickAsync();
        await Expect(editor.GetByRole(AriaRole.Status)).ToContainTextAsync($"Claim {s.ClaimClosed} retracted.");
        await Expect(editor.GetByTestId("contested-fact").Filter(new() { HasText = $"test gate {s.Tag}" })).ToHaveCountAsync(0);

        await editor.GotoAsync($"/facts/{s.FactId}");
        await Expect(editor.Locator($"#claim-{s.ClaimOpen}")).ToContainTextAsync("endorsed by checker:desk-checker");
        await Expect(editor.Locator($"#claim-{s.ClaimClosed} .badge.status")).ToHaveTextAsync("retracted");
    }

    [Fact]
    public async Task Selecting_a_passage_in_a_source_document_fills_the_quote_and_locator_and_records_the_claim()
    {
        var s = await Scenario.ContestedAsync(host);
        const string passage = "the east gate stood open to every visitor";
        var text = "Gate Gazette, spring edition.\n\nNothing changed at the north gate.\n\nIn March 2025 " + passage + ", the keeper said.\n";
        var checker = await host.OpenAsync(Roles.Checker);
        await checker.GotoAsync($"/sources/{s.SourceA}");
        await checker.Locator("summary", new() { HasText = "Attach the document's text" }).ClickAsync();
        await checker.GetByLabel("The document's full text, as published").FillAsync(text);
        await checker.GetByRole(AriaRole.Button, new() { Name = "Attach document" }).ClickAsync();
        await Expect(checker.GetByRole(AriaRole.Status)).ToContainTextAsync("Document attached.");
        var document = checker.GetByTestId("document");
        await Expect(document).ToHaveTextAsync(text);

        // A reader's selection of the passage, as a mouse drag leaves it.
        await document.EvaluateAsync(@"(doc, passage) => {
            const walker = document.createTreeWalker(doc, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(passage);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + passage.length);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                return;
            }
            throw new Error('passage not found');
        }", passage);
        await document.DispatchEventAsync("mouseup");
        var offset = text.IndexOf(passage, StringComparison.Ordinal);
        await Expect(checker.GetByLabel("Quote, verbatim")).ToHaveValueAsync(passage);
        await Expect(checker.GetByLabel("Character offset")).ToHaveValueAsync(offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(checker.GetByLabel("Paragraph")).ToHaveValueAsync("3");

        await checker.GetByLabel("Fact", new() { Exact = true }).SelectOptionAsync(s.FactId);
        await checker.GetByLabel("Value, as the source gives it").FillAsync("open");
        await checker.GetByLabel("At", new() { Exact = true }).FillAsync("2025-03");
        await checker.GetByRole(AriaRole.Button, new() { Name = "Record claim" }).ClickAsync();
        await Expect(checker.GetByRole(AriaRole.Status)).ToContainTextAsync("recorded");

        var claimId = await checker.GetByTestId("source-claims").Locator("li").Filter(new() { HasText = passage }).GetAttributeAsync("data-claim-id");
        await Expect(checker.Locator($"#document mark[data-claims~='{claimId}']")).ToHaveTextAsync(passage);
        using var api = host.Api();
        var claim = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync($"/api/claims/{claimId}")).RootElement;
        Assert.Equal(offset, claim.GetProperty("locator").GetProperty("offset").GetInt32());
        Assert.Equal(3, claim.GetProperty("locator").GetProperty("paragraph").GetInt32());
        await DeskHost.ScreenshotAsync(checker, "source-document");

        // A quote the document does not hold is refused with the document's closest passage.
        await checker.GetByLabel("Quote, verbatim").FillAsync("the east gate was open to every visitor");
        await checker.GetByLabel("Fact", new() { Exact = true }).SelectOptionAsync(s.FactId);
        await checker.GetByLabel("Value, as the source gives it").FillAsync("open");
        await checker.GetByLabel("At", new() { Exact = true }).FillAsync("2025-03");
        await checker.GetByRole(AriaRole.Button, new() { Name = "Record claim" }).ClickAsync();
        await Expect(checker.GetByTestId("problem")).ToHaveAttributeAsync("data-status", "422");
        await Expect(checker.GetByTestId("problem-detail")).ToContainTextAsync("does not occur verbatim");
        await Expect(checker.GetByTestId("problem-detail")).ToContainTextAsync(passage);
    }

    [Fact]
    public async Task A_bad_value_comes_back_as_the_problem_the_API_answers_with_and_the_form_keeps_what_was_typed()
    {
        var s = await Scenario.ContestedAsync(host);
        var checker = await host.OpenAsync(Roles.Checker);
        await checker.GotoAsync($"/sources/{s.SourceA}");
        await checker.GetByLabel("Quote, verbatim").FillAsync("Half the world, roughly.");
        await checker.GetByLabel("Fact", new() { Exact = true }).SelectOptionAsync("sco.population-share-of-world");
        await checker.GetByLabel("Value, as the source gives it").FillAsync("lots");
        await checker.GetByLabel("At", new() { Exact = true }).FillAsync("2025");
        var response = await checker.RunAndWaitForResponseAsync(
            () => checker.GetByRole(AriaRole.Button, new() { Name = "Record claim" }).ClickAsync(),
            r => r.Request.Method == "POST");
        Assert.Equal(422, response.Status);

        using var api = host.Api(Roles.Checker);
        var (status, problem) = await Scenario.RefusedAsync(api, "/api/facts/sco.population-share-of-world/claims", new
        {
            sourceId = s.SourceA, value = new { kind = "quantity", amount = "lots", unit = "percent" }, validTime = new { at = "2025" },
            quote = "Half the world, roughly.",
        });
        var shown = checker.GetByTestId("problem");
        await Expect(shown).ToHaveAttributeAsync("data-status", ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(shown).ToHaveAttributeAsync("data-type", problem.GetProperty("type").GetString()!);
        await Expect(shown).ToContainTextAsync(problem.GetProperty("title").GetString()!);
        await Expect(shown.GetByTestId("problem-detail")).ToHaveTextAsync(problem.GetProperty("detail").GetString()!);
        await Expect(checker.GetByLabel("Quote, verbatim")).ToHaveValueAsync("Half the world, roughly.");
        await Expect(checker.GetByLabel("Value, as the source gives it")).ToHaveValueAsync("lots");
        await DeskHost.ScreenshotAsync(checker, "record-error");
    }

    [Fact]
    public async Task A_checker_sees_no_editor_action_and_a_forced_editor_post_is_refused_as_the_API_refuses_it()
    {
        var s = await Scenario.ContestedAsync(host);
        using (var checkerApi = host.Api(Roles.Checker))
            await Scenario.PostAsync(checkerApi, $"/api/claims/{s.ClaimClosed}/disputes", new { reason = "Doubtful." });

        var anonymous = await host.OpenAsync();
        await anonymous.GotoAsync($"/facts/{s.FactId}");
        await Expect(anonymous.Locator("form[method=post]")).ToHaveCountAsync(0);

        var checker = await host.OpenAsync(Roles.Checker);
        await checker.GotoAsync($"/facts/{s.FactId}");
        await Expect(checker.GetByTestId("dispute-form")).Not.ToHaveCountAsync(0);
        await Expect(checker.GetByRole(AriaRole.Button, new() { Name = "Endorse" })).Not.ToHaveCountAsync(0);
        await Expect(checker.GetByTestId("resolve-form")).ToHaveCountAsync(0);
        await Expect(checker.GetByText("Retract", new() { Exact = true })).ToHaveCountAsync(0);
        await Expect(checker.GetByText("Correct", new() { Exact = true })).ToHaveCountAsync(0);

        // The checker's own session and anti-forgery token, posting what only an editor's page offers.
        var token = await checker.Locator("input[name=__desk_af]").First.GetAttributeAsync("value");
        var forced = await checker.Context.APIRequest.PostAsync($"/claims/{s.ClaimOpen}/retract", new()
        {
            Form = checker.Context.APIRequest.CreateFormData().Set("__desk_af", token!).Set("reason", "Forced."),
            Headers = new Dictionary<string, string> { ["Origin"] = host.BaseAddress.GetLeftPart(UriPartial.Authority) },
        });
        using var api = host.Api(Roles.Checker);
        var (status, problem) = await Scenario.RefusedAsync(api, $"/api/claims/{s.ClaimOpen}/retraction", new { reason = "Forced." });
        Assert.Equal((int)status, forced.Status);
        var shown = await checker.Context.NewPageAsync();
        await shown.SetContentAsync(await forced.TextAsync());
        await Expect(shown.GetByTestId("problem")).ToHaveAttributeAsync("data-type", problem.GetProperty("type").GetString()!);
        await Expect(shown.GetByTestId("problem")).ToContainTextAsync(problem.GetProperty("title").GetString()!);
        await Expect(shown.GetByTestId("problem-detail")).ToHaveTextAsync(problem.GetProperty("detail").GetString()!);

        // Nothing was written: the claim is not retracted.
        await checker.ReloadAsync();
        await Expect(checker.Locator($"#claim-{s.ClaimOpen} .badge.status")).ToHaveTextAsync("active");

        // And a post without the anti-forgery token is refused before it reaches the application.
        var noToken = await checker.Context.APIRequest.PostAsync($"/claims/{s.ClaimOpen}/endorse", new()
        {
            Form = checker.Context.APIRequest.CreateFormData().Set("note", "no token"),
        });
        Assert.Equal(400, noToken.Status);
    }

    [Fact]
    public async Task A_quote_holding_a_script_tag_is_shown_as_text_and_never_runs()
    {
        var s = await Scenario.ContestedAsync(host);
        const string quote = "<script>window.deskPwned = 1</script><img src=x onerror=\"window.deskPwned = 2\"> the gate is open";
        var checker = await host.OpenAsync(Roles.Checker);
        await checker.GotoAsync($"/sources/{s.SourceA}");
        await checker.GetByLabel("Quote, verbatim").FillAsync(quote);
        await checker.GetByLabel("Fact", new() { Exact = true }).SelectOptionAsync(s.FactId);
        await checker.GetByLabel("Value, as the source gives it").FillAsync("open");
        await checker.GetByLabel("At", new() { Exact = true }).FillAsync("2025-03");
        await checker.GetByRole(AriaRole.Button, new() { Name = "Record claim" }).ClickAsync();
        await Expect(checker.GetByRole(AriaRole.Status)).ToContainTextAsync("recorded");

        await Expect(checker.GetByTestId("source-claims").GetByTestId("quote").Filter(new() { HasText = "<script>" })).ToHaveTextAsync(quote);
        Assert.True(await checker.EvaluateAsync<bool>("() => window.deskPwned === undefined"), "the quote ran on the source page");

        await checker.GotoAsync($"/facts/{s.FactId}");
        await Expect(checker.GetByTestId("quote").Filter(new() { HasText = "<script>" })).ToHaveTextAsync(quote);
        Assert.True(await checker.EvaluateAsync<bool>("() => window.deskPwned === undefined"), "the quote ran on the fact page");
        Assert.Equal(0, await checker.Locator("main script, main img").CountAsync());

        using var http = host.Api();
        var html = await http.GetStringAsync($"/facts/{s.FactId}");
        Assert.Contains("&lt;script&gt;window.deskPwned = 1&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>window.deskPwned", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_in_with_a_bad_key_is_refused_and_no_session_cookie_is_set_while_a_good_key_sets_a_strict_http_only_one()
    {
        var page = await host.OpenAsync();
        await page.GotoAsync("/signin");
        await page.GetByLabel("API key").FillAsync("sco_not-a-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("problem")).ToContainTextAsync("unknown or revoked");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "scofacts.desk");

        var signedIn = await host.OpenAsync(Roles.Editor);
        var cookie = Assert.Single(await signedIn.Context.CookiesAsync(), c => c.Name == "scofacts.desk");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Matches(new Regex("^editor:desk-editor$"), await signedIn.GetByTestId("signed-in-as").TextContentAsync() ?? "");
    }
}
