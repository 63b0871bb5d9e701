namespace SCOFacts.Api.Subscriptions;

/// <summary>Settings of webhook deliveries (section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>How long a receiver has to answer one attempt before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts in all, the first included; after the last, the delivery goes to the dead letters.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The pause before the first retry; each later one waits <see cref="BackoffFactor"/> times longer.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How much longer each retry waits than the one before.</summary>
    public double BackoffFactor { get; set; } = 4;

    /// <summary>
    /// Pauses up to this long are waited out in place (the delivery holds its worker); longer ones reschedule the
    /// delivery through the durable inbox, so a long outage holds no worker and survives a restart.
    /// </summary>
    public TimeSpan InPlaceLimit { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many deliveries run at once on one node.</summary>
    public int Parallelism { get; set; } = 8;

    /// <summary>The pause before each retry, in order: with the defaults 1 s, 4 s, 16 s, then about 1, 4, 17 and 68 minutes.</summary>
    public IReadOnlyList<TimeSpan> RetryDelays() =>
        [.. Enumerable.Range(0, Math.Max(0, MaxAttempts - 1)).Select(i => FirstRetryDelay * Math.Pow(Math.Max(1, BackoffFactor), i))];
}
