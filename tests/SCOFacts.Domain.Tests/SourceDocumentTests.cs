using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;

namespace SCOFacts.Domain.Tests;

public sealed class SourceDocumentTests
{
    private static readonly SourceDocument Document = SourceDocument.Of(
        "\nFirst line.\n\n   \nThe SCO was founded in 2001 in Shanghai.\nIt has ten members \u2014 \u201Cso far\u201D.\nThe SCO was founded in 2001 in Shanghai.\n");

    [Fact]
    public void Paragraphs_count_non_empty_lines_from_one()
    {
        Assert.Equal(1, Document.ParagraphAt(Document.Text.IndexOf("First", StringComparison.Ordinal)));
        Assert.Equal(2, Document.ParagraphAt(Document.Text.IndexOf("The SCO", StringComparison.Ordinal)));
        Assert.Equal(3, Document.ParagraphAt(Document.Text.IndexOf("It has", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_repeated_quote_is_found_everywhere_and_the_locator_picks_the_occurrence()
    {
        var all = Document.FindAll("founded in 2001");

        Assert.Equal(2, all.Count);
        Assert.Equal(new[] { 2, 4 }, all.Select(l => l.Paragraph));
        Assert.Equal(all[1], Document.Check("founded in 2001", new Locator(Paragraph: 4)).Location);
        Assert.Equal(QuoteCheckOutcome.LocatorMismatch, Document.Check("founded in 2001", new Locator(Offset: 3)).Outcome);
        Assert.Equal(all[0], Document.Check("founded in 2001", null).Location);
    }

    [Fact]
    public void The_closest_passage_to_a_misquote_is_the_run_of_words_it_shares_most_with()
    {
        var check = Document.Check("the SCO was created in 2001 in Shanghai", null);

        Assert.Equal(QuoteCheckOutcome.NotFound, check.Outcome);
        Assert.Equal("The SCO was founded in 2001 in Shanghai", check.Closest!.Text);
        Assert.InRange(check.Closest.Similarity, 0.8, 0.99);
        Assert.Null(Document.ClosestPassage("zebra quagga"));
    }

    [Fact]
    public void Typographic_marks_spacing_and_case_are_folded_for_the_suggestion_only()
    {
        var check = Document.Check("it has ten members - \"so far\"", null);

        Assert.Equal(QuoteCheckOutcome.NotFound, check.Outcome);
        Assert.Equal("It has ten members \u2014 \u201Cso far\u201D", check.Closest!.Text);
        Assert.Equal(1.0, check.Closest.Similarity);
    }

    [Fact]
    public void A_claim_without_a_locator_gets_the_one_its_quote_gives_and_a_misquote_is_refused()
    {
        var recorded = new ClaimRecorded("f", "c", "s", new Values.BooleanValue(true), Values.ValidTime.Always, "It has ten members", null, null, "p");

        var decision = QuoteEvidence.Apply(Decision.Accept(recorded), _ => Document);
        var refused = QuoteEvidence.Apply(Decision.Accept(recorded with { Quote = "It has eleven members" }), _ => Document);
        var unchecked_ = QuoteEvidence.Apply(Decision.Accept(recorded with { Quote = "anything" }), _ => null);

        var located = Assert.IsType<ClaimRecorded>(Assert.Single(decision.Events));
        Assert.Equal(new Locator(3, Document.Text.IndexOf("It has", StringComparison.Ordinal)), located.Locator);
        Assert.Equal("quote-not-verbatim", refused.Rejection!.Code);
        Assert.NotNull(refused.Rejection.Details!["closestPassage"]);
        Assert.True(unchecked_.IsAccepted);
    }

    [Fact]
    public void The_digest_is_of_the_UTF8_bytes()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", SourceDocument.DigestOf(""));
        Assert.Equal(SourceDocument.DigestOf("\u2014"), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(new byte[] { 0xE2, 0x80, 0x94 })));
    }
}
