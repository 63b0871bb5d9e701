using System.Globalization;

namespace SCOFacts.Api.Cli;

/// <summary>
/// Progress of long work, in one format wherever it is shown: how far, how fast, and how long still to go. A verb
/// writes it on standard error so that results on standard output stay clean; the host's seed load logs it. A line
/// at most once a second, and one when the work is done.
/// </summary>
/// <param name="writeLine">Where each line goes.</param>
/// <param name="label">What is being done, e.g. <c>audit verify</c>.</param>
/// <param name="total">How many units the work has in all (an estimate is fine).</param>
/// <param name="unit">What is counted, e.g. <c>events</c>.</param>
/// <param name="time">The clock; tests pass their own.</param>
public sealed class CliProgress(Action<string> writeLine, string label, long total, string unit, TimeProvider? time = null) : IProgress<long>
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly long _started = (time ?? TimeProvider.System).GetTimestamp();
    private TimeSpan? _lastLine;
    private bool _finished;

    /// <summary>Progress written to <paramref name="output"/> (a verb's standard error), a line at a time.</summary>
    public CliProgress(TextWriter output, string label, long total, string unit, TimeProvider? time = null)
        : this(line => output.WriteLine(line), label, total, unit, time)
    {
    }

    /// <summary>Reports <paramref name="done"/> units finished so far.</summary>
    public void Report(long done)
    {
        if (_finished) return;
        var elapsed = _time.GetElapsedTime(_started);
        var complete = done >= total;
        if (!complete && _lastLine is { } last && elapsed - last < Interval) return;
        _lastLine = elapsed;
        _finished = complete;
        writeLine(Format(label, done, total, unit, elapsed));
    }

    /// <summary>
    /// Ends the report with <paramref name="done"/> as the total, when the estimate was off (an asynchronous
    /// projection replays only up to its checkpoint); does nothing when the last line already said 100 %.
    /// </summary>
    public void Finish(long done)
    {
        if (_finished) return;
        _finished = true;
        writeLine(Format(label, done, done, unit, _time.GetElapsedTime(_started)));
    }

    /// <summary>One progress line: <c>LABEL: DONE / TOTAL UNIT (P %), R UNIT/s, ETA T</c>.</summary>
    public static string Format(string label, long done, long total, string unit, TimeSpan elapsed)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var rate = done / seconds;
        var left = Math.Max(total - done, 0);
        var eta = rate > 0 ? TimeSpan.FromSeconds(left / rate) : (TimeSpan?)null;
        var percent = total > 0 ? Math.Min(100, done * 100 / total) : 100;
        return string.Create(CultureInfo.InvariantCulture,
            $"{label}: {done:N0} / {total:N0} {unit} ({percent} %), {rate:N0} {unit}/s, ETA {(eta is { } e ? Describe(e) : "unknown")}");
    }

    private static string Describe(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes} min {span.Seconds} s"
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(span.TotalSeconds):0} s");
}
