using System.Text.Json;
using SCOFacts.Api.Feed;
using SCOFacts.Api.History;
using SCOFacts.Api.Timeline;
using SCOFacts.Api.Trust;

namespace SCOFacts.Api.Http;

/// <summary>
/// The examples the OpenAPI document shows for the time, history, feed, publishing and trust
/// endpoints, drawn from the seeded story of the SCO Development Bank.
/// </summary>
internal static class AuditExamples
{
    private const string BankFact = "sco-development-bank.status";
    private const string Hash = "805b53687e4f7f3763ff3d886e939a151fe029c6329108c69c1c1b4a336af949";
    private static readonly DateTimeOffset Recorded = new(2026, 11, 23, 9, 59, 0, TimeSpan.Zero);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static ValueResponse Status(string status) => new(status, null, null, null, null, status, null);

    public static TimelineResponse Timeline { get; } = new(BankFact, "Status of the proposed SCO Development Bank.", 9, null,
    [
        new(null, new DateOnly(2020, 1, 1), "single-source", Status("blocked"), 0.3,
            "One source, unnamed Japanese news site, puts the status at blocked.", ["c-umarov-018"], [], null),
        new(new DateOnly(2020, 1, 1), new DateOnly(2021, 1, 1), "contested", Status("under-discussion"), 0.25,
            "China Institute of International Studies puts the status at under-discussion; unnamed Japanese news site said blocked.",
            ["c-deng-034"], ["c-umarov-018"], null),
        new(new DateOnly(2025, 11, 21), new DateOnly(2025, 11, 22), "settled", Status("decided"), 0.42,
            "Xinhua puts the status at decided. Unnamed Japanese news site said blocked, which was disputed and the dispute upheld.",
            ["c-xinhua-005"], [], null),
    ]);

    public static MembersResponse Members { get; } = new("sco", new DateOnly(2016, 1, 1), null, "member",
    [
        new("china", "sco.membership-status.china", "member", "consensus", 0.56, null),
        new("russia", "sco.membership-status.russia", "member", "single-source", 0.3, new DateOnly(2001, 1, 1)),
    ],
    [
        new("india", "sco.membership-status.india", null, "unverified", 0, null),
    ],
    new(2, 6, "sco.member-count", "six members", null, false, "2 named of 6 counted"));

    public static PageResponse<HistoryEntry> History { get; } = new(
    [
        new(5, "120", "ClaimRecorded", Json("""{"factId":"sco-development-bank.status","claimId":"c-umarov-018","sourceId":"umarov-carnegie-2025","value":{"kind":"status","status":"blocked"},"validTime":{"to":"2025"},"quote":"…","recordedBy":"seed-import"}"""),
            "seed-import", Recorded, "76a9ff28edd149b2aeb1f184ce64853c", null, "contested", "blocked", 0.25, Hash),
        new(9, "233", "DisputeUpheld", Json("""{"factId":"sco-development-bank.status","claimId":"c-umarov-018","disputeId":"d-tour","editor":"editor:admin","note":"The blocking predates the Tianjin decision."}"""),
            "editor:admin", Recorded.AddMinutes(42), "0b6a4f1c2d3e4f5a", "The blocking predates the Tianjin decision.", "settled", "decided", 0.42, Hash),
    ], "djE6OQ");

    public static PageResponse<FeedItem> Feed { get; } = new(
    [
        new("djE6bGVhZjoyMTA", 209, "fact-sco-development-bank.status", 9, "DisputeUpheld",
            Json("""{"factId":"sco-development-bank.status","claimId":"c-umarov-018","disputeId":"d-tour","editor":"editor:admin"}"""),
            "editor:admin", Recorded, "0b6a4f1c2d3e4f5a"),
    ], "djE6bGVhZjoyMTA");

    public const string FeedStream =
        "id: djE6bGVhZjoyMTA\nevent: DisputeUpheld\ndata: {\"cursor\":\"djE6bGVhZjoyMTA\",\"leafIndex\":209,\"streamId\":\"fact-sco-development-bank.status\",\"version\":9,\"type\":\"DisputeUpheld\",\"data\":{},\"recordedBy\":\"editor:admin\",\"recordedAt\":\"2026-11-23T10:41:00Z\",\"correlationId\":\"0b6a4f1c2d3e4f5a\"}\n\n";

    public static JsonElement ClaimReview { get; } = Json("""
        {"@context":"https://schema.org","@graph":[{"@type":"ClaimReview","url":"https://scofacts.example/api/claims/c-deng-001",
        "claimReviewed":"the SCO was founded in 2001","datePublished":"2026-11-23",
        "author":{"@type":"Organization","name":"SCOFacts","url":"https://scofacts.example"},
        "reviewBody":"Three independent sources put the founded on at 2001.",
        "reviewRating":{"@type":"Rating","ratingValue":5,"bestRating":5,"worstRating":1,"alternateName":"Supported by independent sources"},
        "itemReviewed":{"@type":"Claim","author":{"@type":"Person","name":"Deng Hao"},
        "appearance":{"@type":"CreativeWork","headline":"The Shanghai Cooperation Organization and Global Governance in the New Era","publisher":{"@type":"Organization","name":"China Institute of International Studies"}}}}]}
        """);

    public static TrustEstimationRequest TrustRequest { get; } = new("Editors re-rated three wire services this morning.");

    public static TrustRun TrustRun { get; } = new(120, 5, 2, 14, 23, true);
}
