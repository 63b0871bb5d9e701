using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace SCOFacts.Api.Desk.Pages;

/// <summary>
/// The desk's claim actions (dispute, endorse, resolve, retract, correct) as form posts. Done: back to where the
/// form was, with a notice. Refused: the problem the API would have answered, with its status.
/// </summary>
public sealed class ActModel(DeskActions actions) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string ClaimId { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string Verb { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public DeskProblem? Problem { get; private set; }

    public string Back => Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/";

    public IActionResult OnGet() => LocalRedirect(Back);

    public async Task<IActionResult> OnPostAsync(string? reason, string? note, string? counterSourceId, string? counterQuote,
        string? disputeId, string? outcome, string? value, string? approx, string? unit)
    {
        Problem = Verb switch
        {
            "dispute" => await actions.DisputeAsync(HttpContext, ClaimId, reason, counterSourceId, counterQuote),
            "endorse" => await actions.EndorseAsync(HttpContext, ClaimId, note),
            "resolve" => await actions.ResolveAsync(HttpContext, ClaimId, disputeId, outcome, note),
            "retract" => await actions.RetractAsync(HttpContext, ClaimId, reason),
            "correct" => await actions.CorrectAsync(HttpContext, ClaimId, new DeskValue(value, approx, unit), reason),
            _ => DeskProblem.From(Platform.Problems.NotFound($"The desk has no action '{Verb}'.")),
        };
        if (Problem is null)
        {
            TempData["Done"] = Verb switch
            {
                "dispute" => $"Claim {ClaimId} disputed.",
                "endorse" => $"Claim {ClaimId} endorsed.",
                "resolve" => $"Dispute on claim {ClaimId} {outcome}.",
                "retract" => $"Claim {ClaimId} retracted.",
                _ => $"Claim {ClaimId} corrected.",
            };
            return LocalRedirect(Back);
        }
        Response.StatusCode = Problem.Status;
        return Page();
    }
}
