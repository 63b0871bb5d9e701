using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SCOFacts.Api.ReadModels;

namespace SCOFacts.Api.Desk.Pages;

/// <summary>Every registered source, by id, a page at a time.</summary>
public sealed class SourcesModel(FactQueries queries) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Cursor { get; set; }

    public IReadOnlyList<SourceRow> Rows { get; private set; } = [];

    public string? Next { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        // A cursor that is not one of ours starts from the beginning: this is a page, not an API.
        var after = ReadModels.Cursor.TryDecode(Cursor, out var key) ? key : null;
        var page = await queries.ListSourcesAsync(false, after, 100, cancellationToken);
        (Rows, Next) = (page.Items, page.NextCursor);
    }
}
