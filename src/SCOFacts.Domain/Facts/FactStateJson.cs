using System.Collections.Immutable;
using System.Text.Json;

namespace SCOFacts.Domain.Facts;

/// <summary>
/// A folded fact as stored text, so a writer can start from it instead of replaying the fact's stream. The text is a
/// pure function of the state: claims in the order they were recorded and dispute ids sorted (a hash set's order
/// varies between processes), so the same events give the same bytes wherever they are folded.
/// </summary>
public static class FactStateJson
{
    private sealed record Snapshot(FactDefinition? Definition, IReadOnlyList<ClaimState> Claims, IReadOnlyList<string> DisputeIds);

    /// <summary>The state as JSON, with the domain's options.</summary>
    public static string Serialize(FactState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var stored = new Snapshot(state.Definition, state.ClaimsInOrder.ToList(), state.DisputeIds.Order(StringComparer.Ordinal).ToList());
        return JsonSerializer.Serialize(stored, DomainEvents.JsonOptions);
    }

    /// <summary>The state <see cref="Serialize"/> wrote.</summary>
    /// <exception cref="JsonException">The text is not a stored fact state.</exception>
    public static FactState Deserialize(string json)
    {
        var stored = JsonSerializer.Deserialize<Snapshot>(json, DomainEvents.JsonOptions) ?? throw new JsonException("A stored fact state was null.");
        return new FactState(stored.Definition,
            stored.Claims.ToImmutableDictionary(c => c.ClaimId, StringComparer.Ordinal),
            [.. stored.Claims.Select(c => c.ClaimId)],
            stored.DisputeIds.ToImmutableHashSet(StringComparer.Ordinal));
    }
}
