using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using SCOFacts.Api.ReadModels;

namespace SCOFacts.Api.Desk.Pages;

/// <summary>The fact list: search, filters and two orderings.</summary>
public sealed class IndexModel(DeskQueries queries) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Verdict { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Subject { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Disputed { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Sort { get; set; }

    [BindProperty(SupportsGet = true)]
    public int Offset { get; set; }

    public IReadOnlyList<FactRow> Rows { get; private set; } = [];

    public bool More { get; private set; }

    public IReadOnlyList<string> Subjects { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var filter = new DeskFactFilter(Q, Verdict, Subject, Disputed, Sort == "confidence" ? DeskSort.Confidence : DeskSort.Recent);
        (Rows, More) = await queries.ListAsync(filter, Offset, cancellationToken);
        Subjects = await queries.SubjectsAsync(cancellationToken);
    }

    /// <summary>This list's address with another offset.</summary>
    public string PageLink(int offset)
    {
        var query = new Dictionary<string, string?>
        {
            ["q"] = Q, ["verdict"] = Verdict, ["subject"] = Subject, ["sort"] = Sort,
            ["disputed"] = Disputed ? "true" : null, ["offset"] = offset.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return QueryHelpers.AddQueryString("/", query.Where(p => !string.IsNullOrEmpty(p.Value)));
    }
}
