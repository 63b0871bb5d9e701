using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using SCOFacts.Domain.Values;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SCOFacts.Api.Http;

/// <summary>How the facts API's own types appear in the OpenAPI document, where the generator's defaults say the wrong thing.</summary>
internal static class FactsOpenApi
{
    private static readonly Dictionary<Type, string> ValueKinds = new()
    {
        [typeof(QuantityValue)] = "quantity",
        [typeof(DateValue)] = "date",
        [typeof(StatusValue)] = "status",
        [typeof(EntityValue)] = "entity",
        [typeof(BooleanValue)] = "boolean",
        [typeof(TextValue)] = "text",
    };

    public static void Configure(SwaggerGenOptions options)
    {
        // A partial date is a string on the wire, not the struct's year, month and day.
        options.MapType<PartialDate>(() => new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Pattern = @"^\d{4}(-\d{2}(-\d{2})?)?$",
            Description = "A date with the precision its source gave: 2001, 2001-06 or 2001-06-15.",
            Examples = [JsonValue.Create("2001-06-15")!],
        });
        // A claim value is one of six shapes told apart by "kind"; without this it showed as an empty object.
        options.UseOneOfForPolymorphism();
        options.SelectSubTypesUsing(type => type == typeof(ClaimValue) ? ValueKinds.Keys : []);
        options.SelectDiscriminatorNameUsing(type => type == typeof(ClaimValue) ? "kind" : null);
        options.SelectDiscriminatorValueUsing(type => ValueKinds.GetValueOrDefault(type));
        // OpenAPI 3.0 ignores a description next to a $ref: wrapped in allOf, a request's value and valid time keep theirs.
        options.UseAllOfToExtendReferenceSchemas();
    }
}
