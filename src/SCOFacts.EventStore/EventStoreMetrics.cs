using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SCOFacts.EventStore;

/// <summary>
/// The event store's own instruments, on a meter a telemetry pipeline subscribes to by <see cref="MeterName"/>
/// (as Npgsql's are): nothing is measured until something listens.
/// </summary>
public static class EventStoreMetrics
{
    /// <summary>The name of the meter the store's instruments belong to.</summary>
    public const string MeterName = "SCOFacts.EventStore";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Appended = Meter.CreateCounter<long>(
        "scofacts.events.appended", unit: "{event}", description: "Events committed to the log, by stream type; its rate is appends per second.");

    /// <summary>Counts events once their transaction has committed.</summary>
    public static void RecordAppended(string streamType, int count)
    {
        if (count > 0 && Appended.Enabled)
            Appended.Add(count, new TagList { { "stream.type", streamType } });
    }
}
