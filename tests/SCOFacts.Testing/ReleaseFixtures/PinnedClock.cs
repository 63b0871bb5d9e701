namespace SCOFacts.Testing.ReleaseFixtures;

/// <summary>
/// A clock whose present moment is fixed, so that answers "for today" do not change with the day they are read on.
/// Timestamps and timers keep running on the system's clock: only <see cref="GetUtcNow"/> is pinned.
/// </summary>
/// <param name="now">The moment the clock always reads.</param>
public sealed class PinnedClock(DateTimeOffset now) : TimeProvider
{
    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => now;
}
