using System.Text.Json.Nodes;
using SCOFacts.Api.Application;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;

namespace SCOFacts.Api.Publishing;

/// <summary>
/// schema.org ClaimReview JSON-LD for a fact's reviewed claims, so fact-checks can be
/// published where search engines and aggregators read them.
/// </summary>
public static class ClaimReviewApi
{
    public const string ContentType = "application/ld+json";

    public static IEndpointRouteBuilder MapClaimReviewApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/facts/{factId}/claimreview", ClaimReviewAsync).WithTags("Publishing").WithName("GetClaimReview")
            .WithSummary("schema.org ClaimReview JSON-LD for each reviewed claim of the fact, rated from the fact's verdict.")
            .Produces(StatusCodes.Status200OK, contentType: ContentType).ProducesProblem(StatusCodes.Status404NotFound)
            .WithResponseExample(StatusCodes.Status200OK, AuditExamples.ClaimReview, ContentType);
        return app;
    }

    private static async Task<IResult> ClaimReviewAsync(string factId, FactReader reader, HttpContext context, CancellationToken cancellationToken)
    {
        if (await reader.GetAsync(factId, null, null, cancellationToken) is not { } snapshot) return Problems.NotFound($"No fact '{factId}'.");
        var baseUrl = $"{context.Request.Scheme}://{context.Request.Host}";
        var reviews = new JsonArray();
        foreach (var claim in snapshot.State.ClaimsInOrder.Where(c => !c.IsRetracted))
            reviews.Add(Review(snapshot, claim, baseUrl));
        var document = new JsonObject { ["@context"] = "https://schema.org", ["@graph"] = reviews };
        return TypedResults.Text(document.ToJsonString(), ContentType);
    }

    /// <summary>
    /// The rating scale: 5 supported by agreeing independent sources, 4 supported by a clear
    /// majority, 3 unresolved (single source or contested), 1 contradicted by the weight of
    /// evidence or by an upheld dispute.
    /// </summary>
    internal static (int Value, string Name) Rate(FactSnapshot snapshot, ClaimState claim)
    {
        var result = snapshot.Result;
        if (claim.HasUpheldDispute || result.ExcludedClaimIds.Contains(claim.ClaimId)) return (1, "Contradicted (dispute upheld)");
        var supports = result.SupportingClaimIds.Contains(claim.ClaimId);
        var conflicts = result.ConflictingClaimIds.Contains(claim.ClaimId);
        return (result.Verdict, supports, conflicts) switch
        {
            (Verdict.Consensus, true, _) => (5, "Supported by independent sources"),
            (Verdict.Settled, true, _) => (4, "Supported by the weight of evidence"),
            (Verdict.Settled or Verdict.Consensus, _, true) => (1, "Contradicted by the weight of evidence"),
            (Verdict.SingleSource, _, _) => (3, "Unverified: single source"),
            (Verdict.Contested, _, _) => (3, "Contested"),
            _ => (3, "Not assessed at this date"),
        };
    }

    private static JsonObject Review(FactSnapshot snapshot, ClaimState claim, string baseUrl)
    {
        var (value, name) = Rate(snapshot, claim);
        snapshot.Sources.TryGetValue(claim.SourceId, out var source);
        var appearance = new JsonObject
        {
            ["@type"] = "CreativeWork",
            ["headline"] = source?.Title ?? claim.SourceId,
            ["publisher"] = new JsonObject { ["@type"] = "Organization", ["name"] = source?.Publisher ?? claim.SourceId },
        };
        if (source?.Url is { } url) appearance["url"] = url;
        if (source?.PublishedOn is { } published) appearance["datePublished"] = published.ToString();

        var itemReviewed = new JsonObject
        {
            ["@type"] = "Claim",
            ["author"] = source?.Author is { } author
                ? new JsonObject { ["@type"] = "Person", ["name"] = author }
                : new JsonObject { ["@type"] = "Organization", ["name"] = source?.Publisher ?? claim.SourceId },
            ["appearance"] = appearance,
            ["firstAppearance"] = appearance.DeepClone(),
        };
        if (source?.PublishedOn is { } date) itemReviewed["datePublished"] = date.ToString();

        return new JsonObject
        {
            ["@type"] = "ClaimReview",
            ["url"] = $"{baseUrl}/api/claims/{Uri.EscapeDataString(claim.ClaimId)}",
            ["claimReviewed"] = claim.Quote,
            ["datePublished"] = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["author"] = new JsonObject { ["@type"] = "Organization", ["name"] = "SCOFacts", ["url"] = baseUrl },
            ["reviewBody"] = snapshot.Result.Explanation,
            ["reviewRating"] = new JsonObject
            {
                ["@type"] = "Rating",
                ["ratingValue"] = value,
                ["bestRating"] = 5,
                ["worstRating"] = 1,
                ["alternateName"] = name,
            },
            ["itemReviewed"] = itemReviewed,
        };
    }
}
