using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Api.ReadModels;
using SCOFacts.Api.Sources;
using SCOFacts.Domain.Facts;

namespace SCOFacts.Api.Desk.Pages;

/// <summary>A source's page: what it is, the claims taken from it, and recording a new one from its words.</summary>
public sealed class SourceModel(FactQueries queries, DeskQueries desk, DeskActions actions, SourceDocuments documents) : PageModel
{
    /// <summary>The source's document, when one is attached.</summary>
    public StoredSourceDocument? Document { get; private set; }

    /// <summary>The document's text with the claims' quotes marked.</summary>
    public IHtmlContent? DocumentHtml { get; private set; }

    /// <summary>Claims whose quotes the document does not hold (recorded before it was attached).</summary>
    public IReadOnlyList<string> Unplaced { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    public SourceRow? Source { get; private set; }

    public IReadOnlyList<SourceClaim> Claims { get; private set; } = [];

    public IReadOnlyList<(string Id, string Description, string ValueType, string? Unit)> Facts { get; private set; } = [];

    public DeskProblem? Problem { get; private set; }

    public bool CanCheck { get; private set; }

    /// <summary>The record form's fields, kept when a refusal shows the form again.</summary>
    [BindProperty]
    public RecordForm Form { get; set; } = new();

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken)) return Page();
        Form = new RecordForm { ClaimId = WriteSupport.NewId("clm"), FactId = Request.Query["fact"].FirstOrDefault() };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken)) return Page();
        var locator = Form.Paragraph is null && Form.Offset is null ? null : new Locator(Form.Paragraph, Form.Offset);
        Problem = await actions.RecordAsync(HttpContext, Form.FactId, Form.ClaimId, Id, new DeskValue(Form.Value, Form.Approx, Form.Unit),
            new DeskValidTime(Form.ValidAt, Form.ValidFrom, Form.ValidTo), Form.Quote, locator, Form.Note);
        if (Problem is null)
        {
            TempData["Done"] = $"Claim {Form.ClaimId} recorded on {Form.FactId}.";
            return LocalRedirect($"/sources/{Uri.EscapeDataString(Id)}#claim-{Form.ClaimId}");
        }
        Response.StatusCode = Problem.Status;
        return Page();
    }

    /// <summary>Attaches the document text pasted into the page.</summary>
    public async Task<IActionResult> OnPostAttachAsync(string? text, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken)) return Page();
        Problem = await actions.AttachDocumentAsync(HttpContext, Id, text);
        if (Problem is null)
        {
            TempData["Done"] = "Document attached.";
            return LocalRedirect($"/sources/{Uri.EscapeDataString(Id)}");
        }
        Response.StatusCode = Problem.Status;
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Source = await queries.GetSourceAsync(Id, cancellationToken);
        if (Source is null)
        {
            Problem = DeskProblem.From(Problems.NotFound($"No source '{Id}'."));
            Response.StatusCode = Problem!.Status;
            return false;
        }
        Claims = await desk.SourceClaimsAsync(Id, cancellationToken);
        Document = await documents.GetAsync(Id, cancellationToken);
        if (Document is not null) (DocumentHtml, Unplaced) = DocumentView.Render(Document.Document, Claims);
        Facts = await desk.FactChoicesAsync(cancellationToken);
        CanCheck = await DeskRoles.AllowsAsync(HttpContext, Policies.Checker);
        return true;
    }

    /// <summary>What the record form posts.</summary>
    public sealed class RecordForm
    {
        public string? ClaimId { get; set; }

        public string? FactId { get; set; }

        public string? Value { get; set; }

        public string? Approx { get; set; }

        public string? Unit { get; set; }

        public string? ValidAt { get; set; }

        public string? ValidFrom { get; set; }

        public string? ValidTo { get; set; }

        public string? Quote { get; set; }

        public int? Paragraph { get; set; }

        public int? Offset { get; set; }

        public string? Note { get; set; }
    }
}
