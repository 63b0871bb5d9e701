using System.Diagnostics;

namespace SCOFacts.Testing;

/// <summary>Waiting for something asynchronous to happen, for tests that must never sleep to synchronise.</summary>
public static class Wait
{
    /// <summary>
    /// Polls <paramref name="condition"/> with short, growing delays until it holds, and throws a
    /// <see cref="TimeoutException"/> saying what was awaited when <paramref name="timeout"/> passes first.
    /// </summary>
    /// <param name="condition">Checked at once, then after each delay.</param>
    /// <param name="timeout">How long to keep trying.</param>
    /// <param name="because">What is awaited, phrased to complete "Timed out waiting until ...".</param>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            if (await condition())
                return;
            if (clock.Elapsed >= timeout)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.###} s waiting until {because}.");
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 100));
        }
    }

    /// <summary>The same for a condition that needs no I/O.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string because)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), timeout, because);
    }
}
