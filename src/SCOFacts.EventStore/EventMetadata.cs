using System.Text.Json.Serialization;

namespace SCOFacts.EventStore;

/// <summary>Who caused an event and why: stored with every event, covered by its hash.</summary>
/// <param name="Principal">The authenticated principal that asked for the change.</param>
/// <param name="CorrelationId">Ties together every event caused by one user request.</param>
/// <param name="CausationId">The message or event that directly caused this one, if any.</param>
/// <param name="IdempotencyKey">The request's idempotency key, when it had one.</param>
/// <param name="Reason">Why the change was made, in the principal's words, when given.</param>
public sealed record EventMetadata(
    string Principal,
    string? CorrelationId = null,
    string? CausationId = null,
    string? IdempotencyKey = null,
    string? Reason = null)
{
    /// <summary>Metadata for work the system does on its own behalf.</summary>
    public static EventMetadata System(string principal = "system") => new(principal, Guid.NewGuid().ToString("N"));

    /// <summary>Extra key/value pairs (e.g. the client address); kept small.</summary>
    [JsonPropertyName("extra")]
    public IReadOnlyDictionary<string, string>? Extra { get; init; }
}
