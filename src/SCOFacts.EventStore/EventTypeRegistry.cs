using System.Collections.Concurrent;
using System.Text.Json;

namespace SCOFacts.EventStore;

/// <summary>
/// Maps event CLR types to the stable names stored in the log, and serialises them.
/// Names are the contract with stored history: renaming a class must keep its name here.
/// </summary>
public sealed class EventTypeRegistry
{
    private readonly ConcurrentDictionary<string, Type> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, string> _byType = new();

    /// <summary>Creates a registry using the given JSON options (web defaults when null).</summary>
    public EventTypeRegistry(JsonSerializerOptions? options = null)
    {
        JsonOptions = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
    }

    /// <summary>The options every event is (de)serialised with.</summary>
    public JsonSerializerOptions JsonOptions { get; }

    /// <summary>Registers a type under a name (its class name by default).</summary>
    public EventTypeRegistry Register(Type type, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        name ??= type.Name;
        if (!_byName.TryAdd(name, type) && _byName[name] != type)
            throw new InvalidOperationException($"Event name '{name}' is already registered for {_byName[name]}.");
        _byType[type] = name;
        return this;
    }

    /// <summary>Registers a type under its class name.</summary>
    public EventTypeRegistry Register<T>(string? name = null) => Register(typeof(T), name);

    /// <summary>The stored name of an event's type.</summary>
    public string NameOf(Type type) =>
        _byType.TryGetValue(type, out var name) ? name
        : throw new InvalidOperationException($"Event type {type} is not registered.");

    /// <summary>Serialises an event as its registered type.</summary>
    public string Serialize(object @event) => JsonSerializer.Serialize(@event, @event.GetType(), JsonOptions);

    /// <summary>Deserialises stored data; unknown names come back as a <see cref="JsonElement"/>.</summary>
    public object Deserialize(string eventType, string json) =>
        _byName.TryGetValue(eventType, out var type)
            ? JsonSerializer.Deserialize(json, type, JsonOptions) ?? throw new JsonException($"Event {eventType} deserialised to null.")
            : JsonDocument.Parse(json).RootElement.Clone();

    internal string SerializeMetadata(EventMetadata metadata) => JsonSerializer.Serialize(metadata, JsonOptions);

    internal EventMetadata DeserializeMetadata(string json) =>
        JsonSerializer.Deserialize<EventMetadata>(json, JsonOptions) ?? throw new JsonException("Event metadata deserialised to null.");
}
