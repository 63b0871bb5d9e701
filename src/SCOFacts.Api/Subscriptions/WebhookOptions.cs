namespace SCOFacts.Api.Subscriptions;

/// <summary>Settings of webhook deliveries (section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>How long a receiver has to answer one delivery before the attempt counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Pauses before the retries made in place, one per retry (the delivery holds its worker meanwhile, so these stay
    /// short).
    /// </summary>
    public TimeSpan[] RetryDelays { get; set; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)];

    /// <summary>Delays of the retries rescheduled through the durable inbox after those, one per retry.</summary>
    public TimeSpan[] ScheduledRetryDelays { get; set; } = [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2)];

    /// <summary>How many deliveries run at once on one node.</summary>
    public int Parallelism { get; set; } = 8;
}
