using System.Text.Json;
using System.Text.Json.Serialization;
using SCOFacts.Domain.Values;

namespace SCOFacts.Api.Http;

/// <summary>
/// Reads a request's claim value only when it says its <c>kind</c>. Without one, System.Text.Json throws
/// NotSupportedException (it cannot make the abstract type), which minimal APIs do not count as a bad
/// request: the client got a 500. A JsonException instead becomes a 400 <c>malformed-request</c>.
/// </summary>
/// <remarks>
/// Put on the request properties, not registered for the type: a converter for the type itself would
/// replace the polymorphic one, which is still what reads and writes the value once the kind is known.
/// </remarks>
public sealed class ClaimValueJsonConverter : JsonConverter<ClaimValue>
{
    public override ClaimValue? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("kind", out _))
            throw new JsonException("A value is an object with a \"kind\": quantity, date, status, entity, boolean or text.");
        return root.Deserialize<ClaimValue>(options);
    }

    public override void Write(Utf8JsonWriter writer, ClaimValue value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, options);
}
