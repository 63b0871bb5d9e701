using Microsoft.AspNetCore.Mvc.RazorPages;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Desk.Pages;

/// <summary>Where checkers and editors find work: open disputes and contested facts.</summary>
public sealed class ReviewModel(DeskQueries queries) : PageModel
{
    public IReadOnlyList<OpenDispute> Disputes { get; private set; } = [];

    public IReadOnlyList<(string Id, string Description, string? Value, double Confidence)> Contested { get; private set; } = [];

    public bool CanCheck { get; private set; }

    public bool CanEdit { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Disputes = await queries.OpenDisputesAsync(cancellationToken);
        Contested = await queries.ContestedAsync(cancellationToken);
        CanCheck = await DeskRoles.AllowsAsync(HttpContext, Policies.Checker);
        CanEdit = await DeskRoles.AllowsAsync(HttpContext, Policies.Editor);
    }
}
