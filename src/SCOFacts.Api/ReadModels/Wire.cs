using System.Text.Json;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;

namespace SCOFacts.Api.ReadModels;

/// <summary>The names domain enums and states have on the wire and in read-model columns.</summary>
public static class Wire
{
    /// <summary>An enum's JSON name ("single-source", "quantity").</summary>
    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum =>
        JsonSerializer.Serialize(value, DomainEvents.JsonOptions).Trim('"');

    /// <summary>A dispute's standing: open, upheld or rejected (the domain enum has no wire names of its own).</summary>
    public static string DisputeStatus(DisputeStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>
    /// A claim's standing: active, disputed (an open dispute), excluded (a dispute upheld)
    /// or retracted. Active and disputed claims count in reconciliation.
    /// </summary>
    public static string ClaimStatus(ClaimState claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return claim.IsRetracted ? "retracted"
            : claim.HasUpheldDispute ? "excluded"
            : claim.OpenDispute is not null ? "disputed"
            : "active";
    }
}
