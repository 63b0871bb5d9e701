namespace SCOFacts.Api.Trust;

/// <summary>Settings of the learned-trust schedule (section <c>Trust</c>).</summary>
public sealed class TrustScheduleOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Trust";

    /// <summary>
    /// While the trust projection is behind the log, it estimates at most this often; once it has caught up it
    /// estimates at once. Learned weights are never older than this during a long catch-up.
    /// </summary>
    public TimeSpan EstimateEveryWhileBehind { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// When a full trust estimation is worth its cost: at once when the log has nothing more to deliver, and while a
/// backlog is being worked through only when the last estimation is older than the interval. A full estimation
/// costs about the same for one new claim as for a thousand, so estimating per batch during a catch-up spends
/// nearly all of the time on estimates that the next batch makes stale.
/// </summary>
/// <remarks>Pure: fed with the time, whether the caller has caught up, and when it last estimated.</remarks>
public sealed class TrustEstimationSchedule
{
    /// <summary>A schedule estimating at most every <paramref name="intervalWhileBehind"/> while behind.</summary>
    public TrustEstimationSchedule(TimeSpan intervalWhileBehind)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intervalWhileBehind, TimeSpan.Zero);
        IntervalWhileBehind = intervalWhileBehind;
    }

    /// <summary>The longest gap between estimations while behind.</summary>
    public TimeSpan IntervalWhileBehind { get; }

    /// <summary>
    /// Whether to estimate now. Caught up: yes. Behind: yes if no estimation is known (the weights' age is unknown,
    /// so they are refreshed first) or the last one is at least the interval old.
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="caughtUp">Whether the log holds nothing after what the caller has just applied.</param>
    /// <param name="lastEstimation">When the caller last estimated; null when never (in this process).</param>
    public bool ShouldEstimate(DateTimeOffset now, bool caughtUp, DateTimeOffset? lastEstimation) =>
        caughtUp || lastEstimation is not { } last || now - last >= IntervalWhileBehind;
}
