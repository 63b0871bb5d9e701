using System.Text.Json;
using SCOFacts.EventStore;

namespace SCOFacts.Benchmarks.EventStoreBench;

/// <summary>The event every workload appends: a fact-sized payload (about 300 bytes of JSON).</summary>
public sealed record BenchFactRecorded(string FactId, string Property, string Value, string Quote, int Sequence);

/// <summary>Payloads and metadata shared by the store and the baselines, so both write the same bytes.</summary>
internal static class Workload
{
    public const string EventType = nameof(BenchFactRecorded);

    private const string Quote =
        "The member states reaffirmed their commitment to the principles of the Charter and agreed to " +
        "continue consultations on the admission of new members at the next meeting of the Council.";

    public static EventTypeRegistry NewRegistry() => new EventTypeRegistry().Register<BenchFactRecorded>();

    public static JsonSerializerOptions JsonOptions { get; } = NewRegistry().JsonOptions;

    public static BenchFactRecorded Event(string streamId, int sequence) =>
        new(streamId, "member-count", (8 + sequence % 4).ToString(System.Globalization.CultureInfo.InvariantCulture), Quote, sequence);

    public static object[] Events(string streamId, int count)
    {
        var events = new object[count];
        for (var i = 0; i < count; i++) events[i] = Event(streamId, i);
        return events;
    }

    public static EventMetadata Metadata() =>
        new("bench-user@example.org", Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));

    /// <summary>The JSON the store would store for an event (the baselines serialise exactly this way).</summary>
    public static string Serialize(object @event) => JsonSerializer.Serialize(@event, @event.GetType(), JsonOptions);

    public static string SerializeMetadata(EventMetadata metadata) => JsonSerializer.Serialize(metadata, JsonOptions);
}
