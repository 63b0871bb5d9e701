using System.Globalization;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Values;

namespace SCOFacts.Api.Desk;

/// <summary>One stretch of valid time drawn on the chart: a band from its value's lower to upper end (quantities) or a bar in its value's lane.</summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
/// <param name="Label">The value, as reconciliation displays it.</param>
/// <param name="Stretch">The valid-time stretch, in words ("2017-01-01 to 2025-01-01").</param>
/// <param name="Verdict">The verdict there.</param>
/// <param name="Disputed">Contested there, or a claim weighed there has an open dispute.</param>
public sealed record TimelineBand(double X, double Y, double Width, double Height, string Label, string Stretch, string Verdict, bool Disputed);

/// <summary>A tick on an axis.</summary>
public sealed record TimelineTick(double Position, string Label);

/// <summary>
/// The reconciled value over valid time as SVG geometry: ranges as bands (a quantity's interval is drawn as tall
/// as it is wide in value), categories as lanes, disputed stretches flagged for a hatched overlay. Pure layout,
/// no markup: the page renders it, so every label is encoded by Razor.
/// </summary>
public sealed record TimelineChart(double Width, double Height, double PlotLeft, double PlotTop, double PlotWidth, double PlotHeight,
    IReadOnlyList<TimelineBand> Bands, IReadOnlyList<TimelineTick> XTicks, IReadOnlyList<TimelineTick> YTicks)
{
    private const double W = 720, H = 260, Left = 110, Right = 16, Top = 12, Bottom = 30;

    /// <summary>The chart for a fact's timeline; null when no stretch has a value.</summary>
    public static TimelineChart? Build(FactState fact, IReadOnlyList<TimelineSegment> segments, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(fact);
        ArgumentNullException.ThrowIfNull(segments);
        var valued = segments.Where(s => s.Result.Value is not null).ToList();
        if (valued.Count == 0) return null;

        var finite = valued.SelectMany(s => new[] { s.From, s.To }).OfType<DateOnly>().ToList();
        var start = finite.Count > 0 ? finite.Min() : today.AddYears(-1);
        var end = finite.Count > 0 ? finite.Max() : today;
        if (valued.Any(s => s.To is null) && today > end) end = today;
        if (valued.Any(s => s.From is null)) start = start.AddYears(-1);
        if (end <= start) end = start.AddYears(1);
        var span = end.DayNumber - start.DayNumber;
        double X(DateOnly? d, bool isEnd) =>
            Left + (PlotW * ((d ?? (isEnd ? end : start)).DayNumber - start.DayNumber) / span);

        var numeric = fact.Definition?.ValueType == FactValueType.Quantity
            && valued.All(s => s.Result.Value!.Interval is not null);
        var bands = new List<TimelineBand>();
        var yTicks = new List<TimelineTick>();
        if (numeric)
        {
            var bounds = valued.SelectMany(s => new[] { s.Result.Value!.Interval!.Value.Lower, s.Result.Value.Interval.Value.Upper })
                .Where(v => !double.IsInfinity(v)).ToList();
            var low = bounds.Count > 0 ? bounds.Min() : 0;
            var high = bounds.Count > 0 ? bounds.Max() : 1;
            var pad = Math.Max((high - low) * 0.1, Math.Abs(high) * 0.02 + 1e-9);
            low -= pad;
            high += pad;
            double Y(double v) => Top + (PlotH * (high - Math.Clamp(v, low, high)) / (high - low));
            foreach (var s in valued)
            {
                var i = s.Result.Value!.Interval!.Value;
                var top = Y(double.IsInfinity(i.Upper) ? high : i.Upper);
                var bottom = Y(double.IsInfinity(i.Lower) ? low : i.Lower);
                var height = Math.Max(bottom - top, 3);
                bands.Add(Band(fact, s, X(s.From, false), top - (height - (bottom - top)) / 2, X(s.To, true) - X(s.From, false), height));
            }
            for (var k = 0; k <= 4; k++)
            {
                var v = low + ((high - low) * k / 4);
                yTicks.Add(new TimelineTick(Y(v), v.ToString("0.##", CultureInfo.InvariantCulture) + (fact.Definition?.Unit is { } u ? " " + u : "")));
            }
        }
        else
        {
            var lanes = valued.Select(s => s.Result.Value!.Display).Distinct(StringComparer.Ordinal).ToList();
            var laneHeight = PlotH / lanes.Count;
            foreach (var s in valued)
            {
                var lane = lanes.IndexOf(s.Result.Value!.Display);
                bands.Add(Band(fact, s, X(s.From, false), Top + (lane * laneHeight) + (laneHeight * 0.2), X(s.To, true) - X(s.From, false), laneHeight * 0.6));
            }
            yTicks.AddRange(lanes.Select((l, k) => new TimelineTick(Top + (k * laneHeight) + (laneHeight / 2), l)));
        }

        var xTicks = new List<TimelineTick>();
        var years = end.Year - start.Year;
        var step = Math.Max(1, (int)Math.Ceiling(years / 8.0));
        for (var year = start.Year + 1; year <= end.Year; year += step)
            xTicks.Add(new TimelineTick(X(new DateOnly(year, 1, 1), false), year.ToString(CultureInfo.InvariantCulture)));
        return new TimelineChart(W, H, Left, Top, PlotW, PlotH, bands, xTicks, yTicks);
    }

    private static double PlotW => W - Left - Right;

    private static double PlotH => H - Top - Bottom;

    private static TimelineBand Band(FactState fact, TimelineSegment s, double x, double y, double width, double height)
    {
        var weighed = s.Result.SupportingClaimIds.Concat(s.Result.ConflictingClaimIds);
        var disputed = s.Result.Verdict == Verdict.Contested
            || weighed.Any(id => fact.Claims.TryGetValue(id, out var c) && c.OpenDispute is not null);
        return new TimelineBand(x, y, Math.Max(width, 4), height, s.Result.Value!.Display, Stretch(s.From, s.To),
            ReadModels.Wire.Name(s.Result.Verdict), disputed);
    }

    /// <summary>A stretch of valid time in words; open ends say so.</summary>
    public static string Stretch(DateOnly? from, DateOnly? to) =>
        $"{(from is { } f ? f.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "open start")} to " +
        $"{(to is { } t ? t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "now and on")}";
}
