using SCOFacts.Domain.Facts;

namespace SCOFacts.Api.Desk;

/// <summary>One claim as the fact page and the review queue show it, with the actions the user's role allows.</summary>
/// <param name="Claim">The claim.</param>
/// <param name="SourceTitle">Its source's title.</param>
/// <param name="CanCheck">Checker actions (dispute, endorse) are shown.</param>
/// <param name="CanEdit">Editor actions (resolve, retract, correct) are shown.</param>
/// <param name="ReturnUrl">Where an action returns to.</param>
public sealed record ClaimCard(ClaimState Claim, string SourceTitle, bool CanCheck, bool CanEdit, string ReturnUrl)
{
    /// <summary>Editors get a form to resolve an open dispute in the card (the queue has its own).</summary>
    public bool ShowResolve { get; init; } = true;

    /// <summary>The claim's standing, as the API names it.</summary>
    public string Status => ReadModels.Wire.ClaimStatus(Claim);
}
