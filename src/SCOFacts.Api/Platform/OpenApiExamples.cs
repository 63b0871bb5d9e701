using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SCOFacts.Api.Platform;

/// <summary>An example request body for an endpoint's OpenAPI operation.</summary>
public sealed record RequestExampleMetadata(object Example);

/// <summary>An example response for one status of an endpoint's OpenAPI operation.</summary>
public sealed record ResponseExampleMetadata(int StatusCode, object Example, string ContentType);

public static class OpenApiExampleExtensions
{
    /// <summary>
    /// Declares the example request body and/or the example response (of <paramref name="responseStatus"/>) shown in
    /// the OpenAPI document and Swagger UI. Examples are serialised as the API serialises its bodies.
    /// </summary>
    public static TBuilder WithExamples<TBuilder>(this TBuilder builder, object? request = null, object? response = null, int responseStatus = StatusCodes.Status200OK)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (request is not null)
            builder.WithMetadata(new RequestExampleMetadata(request));
        if (response is not null)
            builder.WithMetadata(new ResponseExampleMetadata(responseStatus, response, "application/json"));
        return builder;
    }

    /// <summary>Declares an example response for one more status (a problem, say: its content type is then <c>application/problem+json</c>).</summary>
    public static TBuilder WithResponseExample<TBuilder>(this TBuilder builder, int statusCode, object example, string? contentType = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(example);
        contentType ??= statusCode >= 400 ? "application/problem+json" : "application/json";
        return builder.WithMetadata(new ResponseExampleMetadata(statusCode, example, contentType));
    }

    /// <summary>Gives every schema of type <typeparamref name="T"/> an example in the OpenAPI document.</summary>
    public static IServiceCollection AddSchemaExample<T>(this IServiceCollection services, T example)
        where T : notnull
    {
        return services.AddSingleton(new SchemaExample(typeof(T), example));
    }
}

/// <summary>An example for every schema generated from <see cref="Type"/>.</summary>
public sealed record SchemaExample(Type Type, object Example);

/// <summary>Serialises examples the way the API serialises its bodies (camelCase, enums as configured).</summary>
internal sealed class ExampleSerializer(IOptions<JsonOptions> json)
{
    public JsonNode? ToNode(object example) => JsonSerializer.SerializeToNode(example, example.GetType(), json.Value.SerializerOptions);
}

/// <summary>Applies <see cref="SchemaExample"/> registrations to the schemas they name.</summary>
internal sealed class SchemaExampleFilter(IEnumerable<SchemaExample> examples, ExampleSerializer serializer) : ISchemaFilter
{
    private readonly Dictionary<Type, object> _examples = examples.ToDictionary(e => e.Type, e => e.Example);

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is OpenApiSchema concrete && _examples.TryGetValue(context.Type, out var example))
            concrete.Examples = serializer.ToNode(example) is { } node ? [node] : null;
    }
}

/// <summary>Puts the examples endpoints declared with <see cref="OpenApiExampleExtensions.WithExamples"/> into their operations.</summary>
internal sealed class EndpointExamplesFilter(ExampleSerializer serializer) : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<RequestExampleMetadata>().LastOrDefault() is { } request && operation.RequestBody?.Content is { } content)
        {
            foreach (var media in content.Values.OfType<OpenApiMediaType>())
                media.Example = serializer.ToNode(request.Example);
        }

        foreach (var response in metadata.OfType<ResponseExampleMetadata>())
        {
            operation.Responses ??= [];
            var key = response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!operation.Responses.TryGetValue(key, out var existing))
            {
                existing = new OpenApiResponse { Description = ReasonPhrase(response.StatusCode) };
                operation.Responses[key] = existing;
            }
            if (existing is not OpenApiResponse concrete)
                continue;
            concrete.Content ??= new Dictionary<string, IOpenApiMediaType>();
            if (!concrete.Content.TryGetValue(response.ContentType, out var media) || media is not OpenApiMediaType mediaType)
            {
                mediaType = new OpenApiMediaType();
                concrete.Content[response.ContentType] = mediaType;
            }
            mediaType.Example = serializer.ToNode(response.Example);
        }
    }

    internal static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Response";
}
