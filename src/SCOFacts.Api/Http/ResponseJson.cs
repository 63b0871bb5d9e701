using System.Text.Json;
using System.Text.Json.Serialization;

namespace SCOFacts.Api.Http;

/// <summary>
/// The JSON settings of every request and response body. The host's options are configured with them, and the facts
/// projection writes stored responses with <see cref="Options"/>, so a stored answer is the bytes the endpoint would write.
/// </summary>
public static class ResponseJson
{
    /// <summary>The response settings, for writing outside a request.</summary>
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>
    /// Clients need not put a value's "kind" first, and open interval ends are never NaN or infinite on the wire.
    /// A property the request type does not have is refused (400 naming it), not dropped: a misspelt "notes" or
    /// "aprox" would otherwise be lost without the client knowing, as the schemas' additionalProperties: false promise.
    /// </summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AllowOutOfOrderMetadataProperties = true;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        return options;
    }
}
