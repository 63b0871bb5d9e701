using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SCOFacts.Api.Application;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Sources;

namespace SCOFacts.Api.Desk.Pages;

/// <summary>A fact's page: its answer on both time axes, the claims for and against, its timeline and its history.</summary>
public sealed class FactModel(FactReader reader, FactHistory history, Npgsql.NpgsqlDataSource dataSource) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ValidAt { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? KnownAt { get; set; }

    public DeskProblem? Problem { get; private set; }

    public FactState State { get; private set; } = FactState.Initial;

    public FactDefinition Definition => State.Definition!;

    public long Version { get; private set; }

    public FactReconciliation Result { get; private set; } = null!;

    public IReadOnlyDictionary<string, SourceState> Sources { get; private set; } = new Dictionary<string, SourceState>();

    public IReadOnlyList<TimelineSegment> Segments { get; private set; } = [];

    public TimelineChart? Chart { get; private set; }

    public IReadOnlyList<HistoryStep> History { get; private set; } = [];

    /// <summary>Where the live feed picks up: just after this fact's last event, as the page was rendered.</summary>
    public string? LiveAfter { get; private set; }

    public bool CanCheck { get; private set; }

    public bool CanEdit { get; private set; }

    /// <summary>The claims not weighed at this valid time: they speak of other times.</summary>
    public IEnumerable<ClaimState> OtherClaims =>
        State.ClaimsInOrder.Where(c => !Result.SupportingClaimIds.Contains(c.ClaimId) && !Result.ConflictingClaimIds.Contains(c.ClaimId)
            && !Result.ExcludedClaimIds.Contains(c.ClaimId));

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (WriteSupport.TryTimeAxes(ValidAt, KnownAt, out var validAt, out var knownAt) is { } bad)
        {
            Problem = DeskProblem.From(bad);
            Response.StatusCode = Problem!.Status;
            return Page();
        }
        if (await reader.LoadAsync(Id, knownAt, cancellationToken) is not { } loaded)
        {
            Problem = DeskProblem.From(Problems.NotFound(knownAt is null ? $"No fact '{Id}'." : $"No fact '{Id}' was known at {knownAt:O}."));
            Response.StatusCode = Problem!.Status;
            return Page();
        }
        (State, Version, Sources, var reliabilities) = loaded;
        Result = Reconciler.Reconcile(State, reliabilities, validAt);
        Segments = Reconciler.Timeline(State, reliabilities);
        Chart = TimelineChart.Build(State, Segments, DateOnly.FromDateTime(DateTime.UtcNow));
        var steps = await history.ReplayAsync(Id, cancellationToken) ?? [];
        History = knownAt is { } at ? steps.Where(s => s.Event.RecordedAt <= at).ToList() : steps;
        if (knownAt is null && steps.Count > 0)
            LiveAfter = await Feed.FeedApi.CursorFollowingAsync(dataSource, steps[^1].Event.GlobalPosition, cancellationToken);
        CanCheck = await DeskRoles.AllowsAsync(HttpContext, Policies.Checker);
        CanEdit = await DeskRoles.AllowsAsync(HttpContext, Policies.Editor);
        return Page();
    }

    /// <summary>The claim's source title, or its id when the source is unknown.</summary>
    public string SourceTitle(ClaimState claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return Sources.TryGetValue(claim.SourceId, out var s) ? s.Title ?? claim.SourceId : claim.SourceId;
    }

    /// <summary>What an event did, in a few words.</summary>
    public static string Describe(object data) => data switch
    {
        FactDefined => "defined the fact",
        ClaimRecorded e => $"recorded claim {e.ClaimId}: {e.Value.Describe()}",
        ClaimDisputed e => $"disputed claim {e.ClaimId}",
        DisputeUpheld e => $"upheld the dispute on claim {e.ClaimId}",
        DisputeRejected e => $"rejected the dispute on claim {e.ClaimId}",
        ClaimEndorsed e => $"endorsed claim {e.ClaimId}",
        ClaimRetracted e => $"retracted claim {e.ClaimId}",
        ClaimCorrected e => $"corrected claim {e.ClaimId} from {e.OldValue.Describe()} to {e.NewValue.Describe()}",
        _ => data.GetType().Name,
    };

    /// <summary>The event types the live region listens for: every domain event.</summary>
    public static string LiveTypes => string.Join(' ', DomainEvents.Types.Keys);
}
