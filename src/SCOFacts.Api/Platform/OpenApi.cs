using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SCOFacts.Api.Platform;

/// <summary>The OpenAPI document (<c>/swagger/v1/swagger.json</c>) and Swagger UI (<c>/swagger</c>).</summary>
public static class OpenApi
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/swagger/v1/swagger.json";
    public const string BearerScheme = "Bearer";
    public const string ApiKeyScheme = "ApiKey";

    private const string Description = """
        Facts about the Shanghai Cooperation Organisation (and any subject), tracked through the claims sources make
        about them. Every change is an immutable event; reads are reconciled from the claims.

        **Reading** needs no key. **Writing** needs an API key with a role (checker, editor or auditor), sent as
        `Authorization: Bearer <key>` or `X-Api-Key: <key>`.

        **Errors** are RFC 9457 problem details (`application/problem+json`); `type` is `/problems/{code}`, which
        describes the error. **Concurrency**: reads return `ETag` (the stream version); send it back as `If-Match`
        on writes, and a stale one gets 412. Reads also answer `304 Not Modified` to `If-None-Match` with a
        current ETag, and lists give the next page in a `Link: rel="next"` header as well as in `nextCursor`. **Retries**: send `Idempotency-Key` on POSTs; a retry with the same
        key returns the original response. **Rate limits** answer 429 with `Retry-After`.
        """;

    public static IServiceCollection AddScoFactsOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSingleton<ExampleSerializer>();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo { Title = "SCOFacts API", Version = "v1", Description = Description });
            options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "API key",
                Description = "An API key as a bearer token: `Authorization: Bearer <key>`.",
            });
            options.AddSecurityDefinition(ApiKeyScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "The same API key in the `X-Api-Key` header.",
            });
            foreach (var xml in Directory.EnumerateFiles(AppContext.BaseDirectory, "SCOFacts.*.xml"))
                options.IncludeXmlComments(xml);
            options.SupportNonNullableReferenceTypes();
            options.OperationFilter<EndpointExamplesFilter>();
            options.OperationFilter<ProblemResponsesFilter>();
            options.OperationFilter<QueryParametersFilter>();
            options.SchemaFilter<SchemaExampleFilter>();
        });
        return services;
    }

    public static IApplicationBuilder UseScoFactsOpenApi(this IApplicationBuilder app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint(DocumentPath, "SCOFacts API v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "SCOFacts API";
        });
        return app;
    }
}

/// <summary>
/// Documents the problems every operation can answer with, and the API-key requirement of those that need one.
/// </summary>
internal sealed class ProblemResponsesFilter : IOperationFilter
{
    private const string ProblemJson = "application/problem+json";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var needsKey = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        var problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);

        operation.Responses ??= [];
        var hasInput = operation.RequestBody is not null || operation.Parameters is { Count: > 0 };
        if (hasInput)
            Add(operation, 400, "The request is malformed (invalid JSON, a bad route or query value).", problem);
        if (operation.RequestBody is not null)
        {
            Add(operation, 413, "The request body is too large.", problem);
            Add(operation, 415, "The request body is not JSON.", problem);
        }
        if (needsKey)
        {
            Add(operation, 401, "No API key, or an unknown or revoked one.", problem);
            Add(operation, 403, "The API key's role may not do this.", problem);
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApi.BearerScheme, context.Document)] = [] });
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApi.ApiKeyScheme, context.Document)] = [] });
        }
        Add(operation, 429, "Too many requests; see Retry-After.", problem);
        Add(operation, 500, "An unexpected error; nothing about it is disclosed.", problem);
    }

    private static void Add(OpenApiOperation operation, int status, string description, IOpenApiSchema schema)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key))
            return;
        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, IOpenApiMediaType> { [ProblemJson] = new OpenApiMediaType { Schema = schema } },
        };
    }
}
