using SCOFacts.Api.Trust;

namespace SCOFacts.Api.Tests.Trust;

/// <summary>When the trust projection estimates: at once when caught up, at most every interval while behind.</summary>
public sealed class TrustEstimationScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly TrustEstimationSchedule Schedule = new(TimeSpan.FromSeconds(30));

    [Fact]
    public void Caught_up_estimates_however_recent_the_last_estimation() =>
        Assert.True(Schedule.ShouldEstimate(Now, caughtUp: true, lastEstimation: Now));

    [Fact]
    public void Behind_waits_while_the_last_estimation_is_younger_than_the_interval()
    {
        Assert.False(Schedule.ShouldEstimate(Now, caughtUp: false, lastEstimation: Now));
        Assert.False(Schedule.ShouldEstimate(Now, caughtUp: false, lastEstimation: Now - TimeSpan.FromSeconds(29.999)));
    }

    [Fact]
    public void Behind_estimates_once_the_interval_has_passed()
    {
        Assert.True(Schedule.ShouldEstimate(Now, caughtUp: false, lastEstimation: Now - TimeSpan.FromSeconds(30)));
        Assert.True(Schedule.ShouldEstimate(Now, caughtUp: false, lastEstimation: Now - TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Behind_with_no_known_estimation_estimates_first()
    {
        Assert.True(Schedule.ShouldEstimate(Now, caughtUp: false, lastEstimation: null));
        Assert.True(Schedule.ShouldEstimate(Now, caughtUp: true, lastEstimation: null));
    }

    [Fact]
    public void A_clock_that_went_back_does_not_estimate_while_behind() =>
        Assert.False(Schedule.ShouldEstimate(Now, caughtUp: false, lastEstimation: Now + TimeSpan.FromMinutes(5)));

    [Fact]
    public void A_zero_interval_estimates_every_time()
    {
        var everyBatch = new TrustEstimationSchedule(TimeSpan.Zero);
        Assert.True(everyBatch.ShouldEstimate(Now, caughtUp: false, lastEstimation: Now));
    }

    [Fact]
    public void A_negative_interval_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrustEstimationSchedule(TimeSpan.FromSeconds(-1)));

    [Fact]
    public void Over_a_catch_up_the_estimations_stay_within_two_plus_one_per_interval()
    {
        // A catch-up of 600 batches, one every 100 ms, feeding the schedule as the projection does.
        var interval = TimeSpan.FromSeconds(2);
        var schedule = new TrustEstimationSchedule(interval);
        DateTimeOffset? last = null;
        var estimations = 0;
        var batches = 600;
        var elapsed = TimeSpan.Zero;
        for (var batch = 1; batch <= batches; batch++)
        {
            elapsed = TimeSpan.FromMilliseconds(100 * batch);
            if (!schedule.ShouldEstimate(Now + elapsed, caughtUp: batch == batches, last)) continue;
            estimations++;
            last = Now + elapsed;
        }

        Assert.True(estimations <= 2 + (elapsed / interval), $"{estimations} estimations in {elapsed}");
        Assert.True(estimations >= elapsed / interval, $"weights left stale: {estimations} estimations in {elapsed}");
    }
}
