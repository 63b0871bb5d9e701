using Microsoft.AspNetCore.Mvc.RazorPages;
using SCOFacts.Api.Application;
using SCOFacts.Api.Platform;
using SCOFacts.Domain.Facts;

namespace SCOFacts.Api.Desk.Pages;

/// <summary>Where checkers and editors find work: open disputes and contested facts.</summary>
public sealed class ReviewModel(DeskQueries queries, FactReader reader) : PageModel
{
    /// <summary>The most contested facts whose claims the queue shows inline.</summary>
    private const int InlineFacts = 25;

    /// <summary>The facts the queue names, as they stand now, for their claims' cards.</summary>
    public IReadOnlyDictionary<string, FactSnapshot> Facts { get; private set; } = new Dictionary<string, FactSnapshot>();

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
        var facts = new Dictionary<string, FactSnapshot>(StringComparer.Ordinal);
        foreach (var id in Disputes.Select(d => d.FactId).Concat(Contested.Select(c => c.Id)).Distinct(StringComparer.Ordinal).Take(InlineFacts))
        {
            if (await reader.GetAsync(id, null, null, cancellationToken) is { } snapshot) facts[id] = snapshot;
        }
        Facts = facts;
    }

    /// <summary>A claim's card, when the queue loaded its fact.</summary>
    public ClaimCard? Card(string factId, string claimId) =>
        Facts.TryGetValue(factId, out var f) && f.State.Claims.TryGetValue(claimId, out var claim)
            ? new ClaimCard(claim, f.Sources.TryGetValue(claim.SourceId, out var s) ? s.Title : claim.SourceId, CanCheck, CanEdit, "/review")
            : null;

    /// <summary>The claims weighed in a fact's current answer, for and against.</summary>
    public IEnumerable<ClaimState> Weighed(string factId) =>
        Facts.TryGetValue(factId, out var f)
            ? f.Result.SupportingClaimIds.Concat(f.Result.ConflictingClaimIds).Where(f.State.Claims.ContainsKey).Select(id => f.State.Claims[id])
            : [];
}
