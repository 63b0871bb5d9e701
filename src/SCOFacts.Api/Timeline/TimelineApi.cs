using SCOFacts.Api.Application;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain.Reconciliation;

namespace SCOFacts.Api.Timeline;

/// <summary>One stretch of valid time with one answer: [from, to), open ends null.</summary>
public sealed record TimelineSegmentResponse(DateOnly? From, DateOnly? To, string Verdict, ValueResponse? Value, double Confidence,
    string Explanation, IReadOnlyList<string> SupportingClaimIds, IReadOnlyList<string> ConflictingClaimIds, DateOnly? CarriedForwardFrom);

/// <summary>A fact's reconciled value across valid time, as known at <paramref name="KnownAt"/>.</summary>
public sealed record TimelineResponse(string FactId, string Description, long Version, DateTimeOffset? KnownAt, IReadOnlyList<TimelineSegmentResponse> Segments);

/// <summary>Members of a set on a date, from status-valued facts (one per member).</summary>
/// <param name="Subject">The set's subject, e.g. sco.</param>
/// <param name="ValidAt">The date asked about (null: the latest the claims speak of).</param>
/// <param name="KnownAt">The transaction time asked about (null: now).</param>
/// <param name="Status">The status counted as membership (member by default).</param>
/// <param name="Members">Those whose status was <paramref name="Status"/> then.</param>
/// <param name="Others">Everyone else known, with their status then (observer, applicant, ... or unverified).</param>
/// <param name="Completeness">How complete <paramref name="Members"/> is against the subject's own count of members then.</param>
public sealed record MembersResponse(string Subject, DateOnly? ValidAt, DateTimeOffset? KnownAt, string Status,
    IReadOnlyList<MemberEntry> Members, IReadOnlyList<MemberEntry> Others, MembersCompleteness Completeness);

/// <summary>How many members are named against how many the subject's member-count fact says there were.</summary>
/// <param name="Named">Members listed.</param>
/// <param name="Counted">The count, when the count fact gives an exact whole number then; null otherwise.</param>
/// <param name="CountFactId">The fact the count comes from, if there is one.</param>
/// <param name="CountValue">The count as the fact's answer puts it ("eight members", "about 10 members").</param>
/// <param name="CountCarriedForwardFrom">When the count was carried forward, the day it became valid.</param>
/// <param name="Complete">True when as many are named as counted; null when there is no exact count.</param>
/// <param name="Summary">The same in words: "8 named of 10 counted".</param>
public sealed record MembersCompleteness(int Named, int? Counted, string? CountFactId, string? CountValue,
    DateOnly? CountCarriedForwardFrom, bool? Complete, string Summary);

/// <summary>One candidate member and how sure the answer is.</summary>
public sealed record MemberEntry(string Member, string FactId, string? Status, string Verdict, double Confidence, DateOnly? CarriedForwardFrom);

public static class TimelineApi
{
    /// <summary>The property of the status facts that answer membership questions, and their member qualifier.</summary>
    public const string MembershipProperty = "membership-status";

    /// <summary>The property of the fact counting the subject's members.</summary>
    public const string MemberCountProperty = "member-count";

    public static IEndpointRouteBuilder MapTimelineApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/facts/{factId}/timeline", TimelineAsync).WithTags("Facts").WithName("GetFactTimeline")
            .WithSummary("The reconciled value per stretch of valid time (e.g. the bank's status across the years), each with its verdict and claims.")
            .Produces<TimelineResponse>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: AuditExamples.Timeline);
        app.MapGet("/api/subjects/{subject}/members", MembersAsync).WithTags("Facts").WithName("GetSubjectMembers")
            .WithSummary("Who were the members on a date (validAt), as known at a moment (knownAt): answered from one membership-status fact per state.")
            .Produces<MembersResponse>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: AuditExamples.Members);
        return app;
    }

    private static async Task<IResult> TimelineAsync(string factId, string? knownAt, FactReader reader, HttpContext context, CancellationToken cancellationToken)
    {
        if (WriteSupport.TryTimeAxes(null, knownAt, out _, out var known) is { } bad) return bad;
        if (await reader.TimelineAsync(factId, known, cancellationToken) is not { } timeline) return Problems.NotFound($"No fact '{factId}'.");
        var (fact, segments) = timeline;
        context.Response.SetETag(fact.Version);
        return TypedResults.Ok(new TimelineResponse(factId, fact.Definition.Description, fact.Version, known,
            segments.Select(s => Segment(s, fact)).ToList()));
    }

    private static TimelineSegmentResponse Segment(TimelineSegment s, FactSnapshot fact) =>
        new(s.From, s.To, Wire.Name(s.Result.Verdict), ValueResponse.From(s.Result.Value, fact.Definition.ValueType),
            Math.Round(s.Result.Confidence, 4), s.Result.Explanation, s.Result.SupportingClaimIds, s.Result.ConflictingClaimIds,
            s.Result.CarriedForwardFrom);

    private static async Task<IResult> MembersAsync(string subject, string? validAt, string? knownAt, string? status, string? qualifier,
        FactQueries queries, FactReader reader, CancellationToken cancellationToken)
    {
        if (WriteSupport.TryTimeAxes(validAt, knownAt, out var valid, out var known) is { } bad) return bad;
        var wanted = string.IsNullOrEmpty(status) ? "member" : status;
        var key = string.IsNullOrEmpty(qualifier) ? "state" : qualifier;
        var factIds = await queries.FactIdsAsync(subject, MembershipProperty, cancellationToken);
        if (factIds.Count == 0) return Problems.NotFound($"No {MembershipProperty} facts about '{subject}'.");

        var members = new List<MemberEntry>();
        var others = new List<MemberEntry>();
        foreach (var factId in factIds)
        {
            if (await reader.GetAsync(factId, valid, known, cancellationToken) is not { } snapshot) continue;
            var who = snapshot.Definition.Qualifiers.TryGetValue(key, out var q) ? q : factId;
            var r = snapshot.Result;
            var entry = new MemberEntry(who, factId, r.Value?.Key, Wire.Name(r.Verdict), Math.Round(r.Confidence, 4), r.CarriedForwardFrom);
            (r.Value?.Key == wanted && r.Verdict != Verdict.Unverified ? members : others).Add(entry);
        }
        var completeness = wanted == "member"
            ? await CompletenessAsync(subject, members.Count, valid, known, queries, reader, cancellationToken)
            : new MembersCompleteness(members.Count, null, null, null, null, null, $"{members.Count} named; no count of them is known");
        return TypedResults.Ok(new MembersResponse(subject, valid, known, wanted, members, others, completeness));
    }

    /// <summary>Compares the named members with the subject's member-count fact at the same time, so a client knows when the list is partial.</summary>
    private static async Task<MembersCompleteness> CompletenessAsync(string subject, int named, DateOnly? valid, DateTimeOffset? known,
        FactQueries queries, FactReader reader, CancellationToken cancellationToken)
    {
        var countFacts = await queries.FactIdsAsync(subject, MemberCountProperty, cancellationToken);
        var count = countFacts.Count == 1 ? await reader.GetAsync(countFacts[0], valid, known, cancellationToken) : null;
        if (count?.Result is not { Value: { } value } result)
        {
            return new MembersCompleteness(named, null, countFacts.Count == 1 ? countFacts[0] : null, null, null, null,
                $"{named} named; no count of members is known for that date");
        }

        int? counted = value.Interval is { } i && i.Width == 0 && i.Lower == Math.Floor(i.Lower) ? (int)i.Lower : null;
        var carried = result.CarriedForwardFrom is { } from ? $" (the count is carried forward from {from:yyyy-MM-dd})" : "";
        var summary = counted is { } n
            ? $"{named} named of {n} counted{carried}"
            : $"{named} named; the count is {value.Display}{carried}";
        return new MembersCompleteness(named, counted, count.Definition.FactId, value.Display, result.CarriedForwardFrom,
            counted is { } c ? named >= c : null, summary);
    }
}
