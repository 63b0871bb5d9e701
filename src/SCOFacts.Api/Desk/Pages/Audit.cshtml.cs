using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SCOFacts.Api.Audit;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Desk.Pages;

/// <summary>The log's current digest, and verifying it (auditors and editors), optionally against a digest kept earlier.</summary>
public sealed class AuditModel(EventStore.EventStore store) : PageModel
{
    public DigestResponse? Digest { get; private set; }

    public VerifyResponse? Verified { get; private set; }

    public DeskProblem? Problem { get; private set; }

    [BindProperty]
    public string? From { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        Problem = await DeskActions.RefuseAsync(HttpContext, Policies.Auditor);
        EventStore.LogDigest? earlier = null;
        if (Problem is null && !string.IsNullOrWhiteSpace(From) && !DigestToken.TryParse(From.Trim(), out earlier))
            Problem = DeskProblem.From(Problems.Malformed("'from' must be a digest token as GET /api/audit/digest returns it (txid.position.count.hash)."));
        if (Problem is not null)
        {
            Response.StatusCode = Problem.Status;
            return Page();
        }
        var result = await store.VerifyAsync(earlier, cancellationToken);
        Verified = new VerifyResponse(result.IsValid, result.EventsChecked, result.StreamsChecked, result.ExtendsDigest,
            result.FirstBreak, result.Breaks, DigestResponse.From(result.Current));
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken) =>
        Digest = await store.GetLatestDigestAsync(cancellationToken) is { } d ? DigestResponse.From(d) : null;
}
