using SCOFacts.Api.Claims;
using SCOFacts.Api.Facts;
using SCOFacts.Api.Sources;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Values;

namespace SCOFacts.Api.Http;

/// <summary>
/// The examples the OpenAPI document shows for the sources, facts and claims endpoints: one story from the seed
/// documents, so that the examples agree with each other. Xinhua said in November 2025 that "more than two
/// decades" had passed since the SCO was founded in 2001; a claim of fifteen years was disputed and excluded.
/// </summary>
internal static class ApiExamples
{
    private const string XinhuaId = "xinhua-2025-11-21";
    private const string XinhuaTitle = "SCO plays key role in boosting cooperation, championing multilateralism";
    private const string FactId = "sco.age-years";
    private const string ClaimId = "c-xinhua-001";
    private const string Checker = "checker:alice";
    private const string Editor = "editor:bob";

    private static readonly QuantityValue MoreThanTwoDecades = new("2", "decade", QuantityApprox.MoreThan);
    private static readonly ValidTime November2025 = ValidTime.Instant(PartialDate.Parse("2025-11-21"));
    private const string XinhuaQuote = "more than two decades since its establishment";

    public static RegisterSourceRequest RegisterSource { get; } = new(
        XinhuaId, XinhuaTitle, "Xinhua", null, "https://english.news.cn/20251121/sco-cooperation/c.html",
        PartialDate.Parse("2025-11-21"), "news", "en", "002_263e5df255ff4bef.txt", null, "dateline Moscow");

    public static SourceResponse Source { get; } = new(
        XinhuaId, XinhuaTitle, "Xinhua", null, "https://english.news.cn/20251121/sco-cooperation/c.html", "2025-11-21", "news", "en",
        "002_263e5df255ff4bef.txt", null, "dateline Moscow", new ReliabilityView(0.5, "default", 0, null, null, null, null, 0), 0, 0, 1);

    public static RateSourceRequest RateSource { get; } = new(0.8, "State news agency; its dates and figures match the SCO Secretariat's.");

    public static SourceResponse RatedSource { get; } = Source with
    {
        Reliability = new ReliabilityView(0.8, "rated", 1, 0.8, RateSource.Reason, Editor, 0.74, 12),
        ClaimCount = 12,
        ActiveClaimCount = 11,
        Version = 2,
    };

    // An abbreviated document: the example shows the shape, and its offsets and digest are its own.
    private const string DocumentExcerpt = "MOSCOW, Nov. 21 (Xinhua)\n\nThe SCO marks " + XinhuaQuote + ".\n";

    public static SourceDocumentResponse SourceDocument { get; } = new(
        XinhuaId, Domain.Sources.SourceDocument.DigestOf(DocumentExcerpt), DocumentExcerpt.Length, Checker,
        new DateTimeOffset(2026, 1, 5, 9, 30, 0, TimeSpan.Zero), DocumentExcerpt,
        [new QuoteOffsetsResponse(ClaimId, FactId, XinhuaQuote, true, DocumentExcerpt.IndexOf(XinhuaQuote, StringComparison.Ordinal), XinhuaQuote.Length, 2, "active")]);

    public static PageResponse<SourceResponse> Sources { get; } = new([RatedSource], ReadModels.Cursor.Encode(XinhuaId));

    public static DefineFactRequest DefineFact { get; } = new(
        FactId, "sco", "age-years", [], "quantity", "year", null, "Years since the SCO was founded on 15 June 2001.");

    public static ClaimResponse Claim { get; } = new(
        ClaimId, FactId, XinhuaId, XinhuaTitle, "Xinhua", MoreThanTwoDecades, MoreThanTwoDecades.Describe(), November2025, XinhuaQuote,
        new Locator(5, 812), "age stated at publication", "active", Checker, [], [], null, 0);

    public static RecordClaimRequest RecordClaim { get; } = new(
        ClaimId, XinhuaId, MoreThanTwoDecades, November2025, XinhuaQuote, new Locator(5, 812), "age stated at publication");

    private static readonly QuantityValue FifteenYears = new("15", "year");

    /// <summary>A claim of fifteen years in 2021, which the Xinhua figure contradicts.</summary>
    private static ClaimResponse Outlier { get; } = Claim with
    {
        Id = "c-blog-007",
        SourceId = "sco-watch-blog-2021",
        SourceTitle = "Fifteen years of the Shanghai spirit",
        Publisher = "SCO Watch",
        Value = FifteenYears,
        ValueText = FifteenYears.Describe(),
        ValidTime = ValidTime.Instant(PartialDate.Parse("2021-06")),
        Quote = "the fifteen years since the Organisation was founded",
        Locator = new Locator(2, 140),
        Note = null,
    };

    public static DisputeClaimRequest DisputeClaim { get; } = new(
        "d-001", "The SCO was founded in June 2001: by June 2021 it was twenty years old, not fifteen.",
        new CounterEvidence(XinhuaId, XinhuaQuote));

    private static DisputeResponse OpenDispute { get; } = new(
        "d-001", DisputeClaim.Reason!, DisputeClaim.CounterEvidence, Checker, "open", null, null);

    public static ClaimResponse DisputedClaim { get; } = Outlier with { Status = "disputed", Disputes = [OpenDispute] };

    public static ResolveDisputeRequest ResolveDispute { get; } = new("upheld", "The founding date is not in doubt; the post miscounted.");

    public static ClaimResponse ExcludedClaim { get; } = Outlier with
    {
        Status = "excluded",
        Disputes = [OpenDispute with { Status = "upheld", ResolvedBy = Editor, ResolutionNote = ResolveDispute.Note }],
    };

    public static EndorseClaimRequest EndorseClaim { get; } = new("Checked against the Xinhua original, paragraph 5.");

    public static ClaimResponse EndorsedClaim { get; } = Claim with { Endorsements = [new Endorsement(Checker, EndorseClaim.Note)] };

    public static RetractClaimRequest RetractClaim { get; } = new("Recorded from the wrong article: this figure is about the SCO Bank.");

    public static ClaimResponse RetractedClaim { get; } = Claim with { Status = "retracted", RetractionReason = RetractClaim.Reason };

    public static CorrectClaimRequest CorrectClaim { get; } = new(MoreThanTwoDecades, "Recorded as 'two years'; the source says 'more than two decades'.");

    public static ClaimResponse CorrectedClaim { get; } = Claim with { Corrections = 1 };

    public static PageResponse<ClaimResponse> FactClaims { get; } = new([Claim, ExcludedClaim], null);

    private const string Explanation =
        "Xinhua (\u201cSCO plays key role in boosting cooperation, championing multilateralism\u201d) gives more than 20 years. " +
        "SCO Watch said 15 years, which was disputed and the dispute upheld.";

    public static FactResponse Fact { get; } = new(
        FactId, "sco", "age-years", new Dictionary<string, string>(), "quantity", "year", null, DefineFact.Description!, 5,
        new TimeAxes(null, null, new DateOnly(2025, 11, 21), null), "settled",
        new ValueResponse("more than 20 years", 20, null, false, null, null, "year"), 0.4, Explanation,
        [Claim], [], [ExcludedClaim],
        [new ReliabilityResponse(XinhuaId, "Xinhua", 0.8, "rated", 1)], 2);

    public static FactResponse NewFact { get; } = Fact with
    {
        Version = 1,
        AsOf = new TimeAxes(null, null, null, null),
        Verdict = "unverified",
        Value = null,
        Confidence = 0,
        Explanation = "No active claim gives the age years.",
        Supporting = [],
        Excluded = [],
        Reliabilities = [],
        ClaimCount = 0,
    };

    private static FactSummary Summary { get; } = new(
        FactId, "sco", "age-years", new Dictionary<string, string>(), "quantity", "year", Fact.Description, 5, "settled",
        "more than 20 years", 0.4, 2, 1, 0, Explanation);

    public static PageResponse<FactSummary> Facts { get; } = new([Summary], ReadModels.Cursor.Encode(FactId));

    public static PageResponse<FactSummary> Subject { get; } = new([Summary], null);
}
