using System.Text.Json;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;

namespace SCOFacts.Domain;

/// <summary>
/// Every domain event type with the stable name the event store records in event_type. Names are part
/// of the stored data: never rename one; add a new event instead.
/// </summary>
public static class DomainEvents
{
    private static readonly (string Name, Type Type)[] Registry =
    [
        ("SourceRegistered", typeof(SourceRegistered)),
        ("SourceRated", typeof(SourceRated)),
        ("SourceDocumentAttached", typeof(SourceDocumentAttached)),
        ("FactDefined", typeof(FactDefined)),
        ("ClaimRecorded", typeof(ClaimRecorded)),
        ("ClaimDisputed", typeof(ClaimDisputed)),
        ("DisputeUpheld", typeof(DisputeUpheld)),
        ("DisputeRejected", typeof(DisputeRejected)),
        ("ClaimEndorsed", typeof(ClaimEndorsed)),
        ("ClaimRetracted", typeof(ClaimRetracted)),
        ("ClaimCorrected", typeof(ClaimCorrected)),
    ];

    private static readonly Dictionary<string, Type> ByName = Registry.ToDictionary(r => r.Name, r => r.Type, StringComparer.Ordinal);

    private static readonly Dictionary<Type, string> ByType = Registry.ToDictionary(r => r.Type, r => r.Name);

    /// <summary>
    /// The options every event is stored with: web defaults (camelCase), enums as their kebab names.
    /// PostgreSQL's jsonb reorders keys, so a value's "kind" discriminator need not come first.
    /// </summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web) { AllowOutOfOrderMetadataProperties = true };

    public static IReadOnlyDictionary<string, Type> Types => ByName;

    public static IReadOnlyList<Type> All { get; } = Registry.Select(r => r.Type).ToArray();

    public static string NameOf(Type type) =>
        ByType.TryGetValue(type, out var name) ? name : throw new ArgumentException($"{type} is not a domain event.", nameof(type));

    public static string NameOf(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return NameOf(@event.GetType());
    }

    public static bool TryGetType(string name, out Type type) => ByName.TryGetValue(name, out type!);

    public static string Serialize(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return JsonSerializer.Serialize(@event, @event.GetType(), JsonOptions);
    }

    public static object Deserialize(string name, string json) =>
        TryGetType(name, out var type)
            ? JsonSerializer.Deserialize(json, type, JsonOptions) ?? throw new JsonException($"Event {name} was null.")
            : throw new ArgumentException($"'{name}' is not a domain event name.", nameof(name));
}
