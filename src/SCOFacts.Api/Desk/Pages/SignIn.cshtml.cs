using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace SCOFacts.Api.Desk.Pages;

/// <summary>Signing in with an API key.</summary>
public sealed class SignInModel : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? key)
    {
        if (string.IsNullOrWhiteSpace(key) || await DeskAuth.SignInAsync(HttpContext, key) is not { } principal)
        {
            Error = "The API key is unknown or revoked.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }
        TempData["Done"] = $"Signed in as {principal}.";
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
