using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using SCOFacts.Domain.Sources;

namespace SCOFacts.Api.Desk;

/// <summary>
/// A source's document as HTML: its text, encoded, with every claim's quote marked where the document's own quote
/// check places it. Overlapping quotes split into runs, each marked with every claim it belongs to. Nothing but the
/// marks is added, so the element's text is the document's text and a selection's offset in it is a UTF-16 offset
/// into the document, the locator convention.
/// </summary>
public static class DocumentView
{
    /// <summary>The marked-up text, and which claims could not be placed (quotes recorded before the document that it does not hold).</summary>
    public static (IHtmlContent Html, IReadOnlyList<string> Unplaced) Render(SourceDocument document, IEnumerable<SourceClaim> claims)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(claims);
        var spans = new List<(int Start, int End, string ClaimId)>();
        var unplaced = new List<string>();
        foreach (var claim in claims)
        {
            if (document.Check(claim.Quote, claim.Locator).Location is { } at) spans.Add((at.Offset, at.Offset + at.Length, claim.ClaimId));
            else unplaced.Add(claim.ClaimId);
        }
        var bounds = spans.SelectMany(s => new[] { s.Start, s.End }).Append(0).Append(document.Length).Distinct().Order().ToList();
        var html = new HtmlContentBuilder();
        for (var i = 0; i + 1 < bounds.Count; i++)
        {
            var (from, to) = (bounds[i], bounds[i + 1]);
            var text = document.Text[from..to];
            var covering = spans.Where(s => s.Start <= from && s.End >= to).Select(s => s.ClaimId).ToList();
            if (covering.Count == 0)
            {
                html.Append(text);
                continue;
            }
            var ids = HtmlEncoder.Default.Encode(string.Join(' ', covering));
            html.AppendHtml($"<mark data-claims=\"{ids}\" title=\"Quoted by {ids}\">");
            html.Append(text);
            html.AppendHtml("</mark>");
        }
        return (html, unplaced);
    }
}
