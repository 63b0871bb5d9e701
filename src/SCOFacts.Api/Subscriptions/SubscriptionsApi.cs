using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using Wolverine;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;

namespace SCOFacts.Api.Subscriptions;

/// <summary>Subscribing to answer changes.</summary>
/// <param name="TargetUrl">Where deliveries are POSTed: an absolute http or https URL.</param>
/// <param name="FactIds">Only these facts (optional).</param>
/// <param name="Subject">Only facts of this subject (optional).</param>
/// <param name="Verdicts">Only changes whose verdict before or after is one of these (optional).</param>
/// <param name="Secret">The key of the deliveries' HMAC-SHA256 signatures, at least 16 characters. Never returned.</param>
public sealed record CreateSubscriptionRequest(string? TargetUrl, IReadOnlyList<string>? FactIds, string? Subject, IReadOnlyList<string>? Verdicts,
    string? Secret);

/// <summary>A subscription, without its secret.</summary>
/// <param name="Id">The subscription's id.</param>
/// <param name="TargetUrl">Where deliveries go.</param>
/// <param name="Filter">Which changes are delivered.</param>
/// <param name="CreatedBy">Who subscribed.</param>
/// <param name="CreatedAt">When.</param>
public sealed record SubscriptionResponse(string Id, string TargetUrl, SubscriptionFilter Filter, string CreatedBy, DateTimeOffset CreatedAt)
{
    internal static SubscriptionResponse From(Subscription s) =>
        new(s.Id, s.TargetUrl.AbsoluteUri, new SubscriptionFilter(s.FactIds, s.Subject, s.Verdicts), s.CreatedBy, s.CreatedAt);
}

/// <summary>Which changes a subscription receives; an empty or missing part matches everything.</summary>
/// <param name="FactIds">Only these facts.</param>
/// <param name="Subject">Only facts of this subject.</param>
/// <param name="Verdicts">Only changes whose verdict before or after is one of these.</param>
public sealed record SubscriptionFilter(IReadOnlyList<string> FactIds, string? Subject, IReadOnlyList<string> Verdicts);

/// <summary>A delivery that gave up after its last attempt.</summary>
/// <param name="Id">The dead letter's id (replay it by this id).</param>
/// <param name="DeliveryId">The delivery (as the receiver would have seen it in <c>SCOFacts-Delivery</c>).</param>
/// <param name="SubscriptionId">Its subscription.</param>
/// <param name="FactId">The fact whose change it carried.</param>
/// <param name="ChangeId">The change.</param>
/// <param name="Error">Why the last attempt failed.</param>
/// <param name="FailedAt">When it gave up.</param>
public sealed record DeadDeliveryResponse(Guid Id, Guid DeliveryId, string SubscriptionId, string FactId, Guid ChangeId, string Error, DateTimeOffset FailedAt);

/// <summary>Replaying a dead delivery.</summary>
/// <param name="Reason">Why, for whoever reads the logs later (optional).</param>
public sealed record ReplayDeliveryRequest(string? Reason);

/// <summary>A replayed delivery.</summary>
/// <param name="Id">The dead letter that was replayed (now gone from the list).</param>
/// <param name="DeliveryId">The delivery, queued again with the same id.</param>
public sealed record ReplayResponse(Guid Id, Guid DeliveryId);

/// <summary>Webhook subscriptions, and the deliveries that gave up.</summary>
public static class SubscriptionsApi
{
    private const int MinimumSecretLength = 16;
    private const int MaximumListLength = 100;
    private static readonly string[] KnownVerdicts = ["consensus", "contested", "settled", "single-source", "unverified"];

    public static RouteGroupBuilder MapSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/subscriptions").WithTags("Subscriptions").RequireAuthorization(Policies.Editor);
        group.MapPost("/", CreateAsync).WithName("CreateSubscription")
            .WithSummary("Subscribe a URL to changes of facts' answers (value, verdict or confidence band), optionally only some facts, " +
                "a subject or some verdicts (editors). Each change is POSTed as JSON, signed with HMAC-SHA256 of 'timestamp.body' in the " +
                "SCOFacts-Signature header (t=TIMESTAMP,v1=HEX), and retried with backoff until the receiver answers 2xx.")
            .Produces<SubscriptionResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithExamples(request: SubscriptionExamples.Create, response: SubscriptionExamples.Subscription, responseStatus: StatusCodes.Status201Created);
        group.MapGet("/", ListAsync).WithName("ListSubscriptions")
            .WithSummary("Every subscription, oldest first (editors). Secrets are never returned.")
            .Produces<IReadOnlyList<SubscriptionResponse>>()
            .WithExamples(response: new[] { SubscriptionExamples.Subscription });
        group.MapGet("/{subscriptionId}", GetAsync).WithName("GetSubscription")
            .WithSummary("One subscription (editors).")
            .Produces<SubscriptionResponse>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: SubscriptionExamples.Subscription);
        group.MapDelete("/{subscriptionId}", DeleteAsync).WithName("DeleteSubscription")
            .WithSummary("Unsubscribe (editors), answering the subscription as it was. Deliveries still queued for it are dropped.")
            .Produces<SubscriptionResponse>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: SubscriptionExamples.Subscription);
        group.MapGet("/deliveries/dead", DeadAsync).WithName("ListDeadDeliveries")
            .WithSummary("Deliveries that gave up after their last retry, newest first (editors).")
            .Produces<IReadOnlyList<DeadDeliveryResponse>>()
            .WithExamples(response: new[] { SubscriptionExamples.DeadDelivery });
        group.MapPost("/deliveries/dead/{id:guid}/replay", ReplayAsync).WithName("ReplayDeadDelivery")
            .WithSummary("Queue a dead delivery again (durably, before answering), with the same delivery id, and remove it from the dead letters (editors).")
            .Produces<ReplayResponse>().ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithExamples(request: SubscriptionExamples.ReplayRequest, response: SubscriptionExamples.Replay);
        return group;
    }

    private static async Task<IResult> CreateAsync(CreateSubscriptionRequest request, SubscriptionStore store, HttpContext context, CancellationToken cancellationToken)
    {
        if (WriteSupport.Missing(("targetUrl", request.TargetUrl), ("secret", request.Secret)) is { } missing) return missing;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!Uri.TryCreate(request.TargetUrl, UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https") || string.IsNullOrEmpty(target.Host))
            errors["targetUrl"] = ["Must be an absolute http or https URL."];
        else if (target.AbsoluteUri.Length > 2048)
            errors["targetUrl"] = ["Must be at most 2048 characters."];
        if (request.Secret!.Length < MinimumSecretLength)
            errors["secret"] = [$"Must be at least {MinimumSecretLength} characters."];
        else if (request.Secret.Length > 256)
            errors["secret"] = ["Must be at most 256 characters."];
        var factIds = request.FactIds ?? [];
        if (factIds.Count > MaximumListLength) errors["factIds"] = [$"At most {MaximumListLength} fact ids."];
        else if (factIds.Any(string.IsNullOrWhiteSpace)) errors["factIds"] = ["Fact ids must not be empty."];
        var verdicts = request.Verdicts ?? [];
        if (verdicts.FirstOrDefault(v => !KnownVerdicts.Contains(v, StringComparer.Ordinal)) is { } unknown)
            errors["verdicts"] = [$"'{unknown}' is not a verdict; say {string.Join(", ", KnownVerdicts)}."];
        if (request.Subject is { } subject && (string.IsNullOrWhiteSpace(subject) || subject.Length > 200))
            errors["subject"] = ["Must be a subject id of 1 to 200 characters."];
        if (errors.Count > 0) return Problems.Validation(errors);

        var created = await store.CreateAsync(target!, factIds.Distinct(StringComparer.Ordinal).ToList(), request.Subject,
            verdicts.Distinct(StringComparer.Ordinal).ToList(), request.Secret, context.User.ScoFactsPrincipalName(), cancellationToken);
        return TypedResults.Created($"/api/subscriptions/{created.Id}", SubscriptionResponse.From(created));
    }

    private static async Task<IResult> ListAsync(SubscriptionStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.ListAsync(cancellationToken)).Select(SubscriptionResponse.From).ToList());

    private static async Task<IResult> GetAsync(string subscriptionId, SubscriptionStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(subscriptionId, cancellationToken) is { } found
            ? TypedResults.Ok(SubscriptionResponse.From(found))
            : Problems.NotFound($"No subscription '{subscriptionId}'.");

    private static async Task<IResult> DeleteAsync(string subscriptionId, SubscriptionStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(subscriptionId, cancellationToken) is { } deleted
            ? TypedResults.Ok(SubscriptionResponse.From(deleted))
            : Problems.NotFound($"No subscription '{subscriptionId}'.");

    private static async Task<IResult> DeadAsync(IWolverineRuntime runtime, CancellationToken cancellationToken)
    {
        var found = await runtime.Storage.DeadLetters.QueryAsync(new DeadLetterEnvelopeQuery { PageSize = 500 }, cancellationToken);
        return TypedResults.Ok(found.Envelopes.Select(d => ToResponse(runtime, d)).OfType<DeadDeliveryResponse>().OrderByDescending(d => d.FailedAt).ToList());
    }

    // The body is optional: a reason, for the log of who replayed what and why.
    private static async Task<IResult> ReplayAsync(Guid id, ReplayDeliveryRequest? request, IWolverineRuntime runtime, IMessageBus bus,
        ILoggerFactory loggers, HttpContext context, CancellationToken cancellationToken)
    {
        var query = new DeadLetterEnvelopeQuery([id]);
        var found = await runtime.Storage.DeadLetters.QueryAsync(query, cancellationToken);
        if (found.Envelopes.FirstOrDefault() is not { } dead || DeliveryOf(runtime, dead) is not { } delivery)
            return Problems.NotFound($"No dead delivery '{id}'.");
        // Queued again durably first, then removed: a crash in between leaves it listed, and a second replay
        // carries the same delivery id, which receivers deduplicate by.
        await bus.PublishAsync(delivery);
        await runtime.Storage.DeadLetters.DiscardAsync(query, cancellationToken);
        loggers.CreateLogger(typeof(SubscriptionsApi)).LogInformation("{Principal} replayed delivery {DeliveryId} to {SubscriptionId}: {Reason}",
            context.User.ScoFactsPrincipalName(), delivery.DeliveryId, delivery.SubscriptionId, request?.Reason ?? "no reason given");
        return TypedResults.Ok(new ReplayResponse(id, delivery.DeliveryId));
    }

    // Dead letters come back as stored; the body is read with the serializer that wrote it.
    private static DeliverWebhook? DeliveryOf(IWolverineRuntime runtime, DeadLetterEnvelope dead)
    {
        if ((dead.Message ?? dead.Envelope.Message) is DeliverWebhook known) return known;
        if (dead.Envelope.Data is not { Length: > 0 } || !dead.MessageType.EndsWith(nameof(DeliverWebhook), StringComparison.Ordinal)) return null;
        return runtime.Options.DefaultSerializer.ReadFromData(typeof(DeliverWebhook), dead.Envelope) as DeliverWebhook;
    }

    private static DeadDeliveryResponse? ToResponse(IWolverineRuntime runtime, DeadLetterEnvelope dead) =>
        DeliveryOf(runtime, dead) is { } delivery
            ? new DeadDeliveryResponse(dead.Id, delivery.DeliveryId, delivery.SubscriptionId, delivery.Change.FactId, delivery.Change.Id,
                dead.ExceptionMessage, dead.FailedAt ?? dead.SentAt)
            : null;
}
