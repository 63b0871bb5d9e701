using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using Wolverine;

namespace SCOFacts.Api.Subscriptions;

/// <summary>One webhook delivery: <paramref name="Change"/> to the subscription <paramref name="SubscriptionId"/>.</summary>
/// <param name="DeliveryId">The delivery's id, sent on every attempt so that a receiver can drop repeats.</param>
/// <param name="SubscriptionId">The subscription; its target and secret are read when the delivery is attempted.</param>
/// <param name="Change">What changed.</param>
public sealed record DeliverWebhook(Guid DeliveryId, string SubscriptionId, FactAnswerChanged Change);

/// <summary>The body a receiver gets.</summary>
/// <param name="DeliveryId">The delivery (the same on retries and replays).</param>
/// <param name="SubscriptionId">The subscription it was made for.</param>
/// <param name="Type">Always <c>fact.answer-changed</c>.</param>
/// <param name="ChangeId">The change (one change is delivered once to each matching subscription).</param>
/// <param name="FactId">The fact.</param>
/// <param name="Before">Its answer before.</param>
/// <param name="After">Its answer after.</param>
public sealed record WebhookBody(Guid DeliveryId, string SubscriptionId, string Type, Guid ChangeId, string FactId, FactAnswer Before, FactAnswer After);

/// <summary>A delivery attempt the receiver did not accept (no answer in time, or not a 2xx); Wolverine retries it.</summary>
public sealed class WebhookDeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Fans an answer change out: one durable delivery per matching subscription, and the change to the SSE stream.</summary>
public sealed class FactAnswerChangedHandler(SubscriptionStore subscriptions, FactChangeStream stream)
{
    /// <summary>Handles one change.</summary>
    public async Task HandleAsync(FactAnswerChanged change, IMessageBus bus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(bus);
        stream.Publish(change);
        foreach (var subscription in await subscriptions.MatchingAsync(change, cancellationToken))
            await bus.PublishAsync(new DeliverWebhook(Guid.CreateVersion7(), subscription.Id, change));
    }
}

/// <summary>POSTs one delivery to its subscription's target, signed; a refusal throws, so that Wolverine retries it.</summary>
/// <remarks>Every attempt is counted by its outcome (<c>scofacts.webhooks.deliveries</c>), the last failed one as dead-lettered.</remarks>
public sealed partial class DeliverWebhookHandler(SubscriptionStore subscriptions, IHttpClientFactory clients, IOptions<WebhookOptions> options,
    TimeProvider clock, ScoFactsMetrics metrics, ILogger<DeliverWebhookHandler> logger)
{
    /// <summary>The named HTTP client deliveries use.</summary>
    public const string ClientName = "webhooks";

    /// <summary>Attempts the delivery once.</summary>
    /// <param name="delivery">What to deliver, and to whom.</param>
    /// <param name="envelope">The message's envelope: which attempt this is.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    public async Task HandleAsync(DeliverWebhook delivery, Envelope envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(envelope);
        if (await subscriptions.FindAsync(delivery.SubscriptionId, cancellationToken) is not { } subscription)
        {
            metrics.WebhookDelivery(WebhookOutcome.Dropped);
            LogSubscriptionGone(logger, delivery.DeliveryId, delivery.SubscriptionId);
            return;
        }
        try
        {
            await AttemptAsync(delivery, subscription, cancellationToken);
            metrics.WebhookDelivery(WebhookOutcome.Delivered);
        }
        catch (WebhookDeliveryException)
        {
            // The retry policy allows MaxAttempts in all; the last refusal sends the delivery to the dead letters.
            metrics.WebhookDelivery(envelope.Attempts >= options.Value.MaxAttempts ? WebhookOutcome.DeadLettered : WebhookOutcome.Failed);
            throw;
        }
    }

    private async Task AttemptAsync(DeliverWebhook delivery, Subscription subscription, CancellationToken cancellationToken)
    {
        var change = delivery.Change;
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new WebhookBody(delivery.DeliveryId, subscription.Id, "fact.answer-changed", change.Id, change.FactId, change.Before, change.After),
            ResponseJson.Options);
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.TargetUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Create(subscription.Secret, clock.GetUtcNow().ToUnixTimeSeconds(), body));
        request.Headers.Add(WebhookSignature.DeliveryHeader, delivery.DeliveryId.ToString());

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WebhookDeliveryException($"{subscription.TargetUrl} did not answer within {options.Value.Timeout.TotalSeconds:0.###} s.", e);
        }
        catch (HttpRequestException e)
        {
            throw new WebhookDeliveryException($"{subscription.TargetUrl} could not be reached: {e.Message}", e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new WebhookDeliveryException($"{subscription.TargetUrl} answered {(int)response.StatusCode}.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery {DeliveryId} dropped: subscription {SubscriptionId} was deleted")]
    private static partial void LogSubscriptionGone(ILogger logger, Guid deliveryId, string subscriptionId);
}
