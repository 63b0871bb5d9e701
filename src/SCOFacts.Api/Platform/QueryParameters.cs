using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SCOFacts.Api.Platform;

/// <summary>What a query parameter means, wherever an operation takes it: its description, an example, its allowed values.</summary>
/// <param name="Name">The parameter's name in the query string.</param>
/// <param name="Description">What it does, for the OpenAPI document.</param>
/// <param name="Example">A value that works.</param>
/// <param name="AllowedValues">The only values accepted, or null when any value of its type may be sent.</param>
/// <param name="Deprecated">An old name kept working; the description names its replacement.</param>
public sealed record QueryParameter(string Name, string Description, string? Example, IReadOnlyList<string>? AllowedValues = null, bool Deprecated = false);

/// <summary>
/// The query parameters the API's operations share, described once, and the rule that an operation refuses a
/// parameter it does not take (a misspelt <c>vaildAt</c> would otherwise silently answer for today).
/// </summary>
public static class QueryParameters
{
    /// <summary>The name of the paging cursor on every list.</summary>
    public const string Cursor = "cursor";

    /// <summary>The name of the page size on every list.</summary>
    public const string Limit = "limit";

    /// <summary>Items per page when <see cref="Limit"/> is not sent.</summary>
    public const int DefaultLimit = 20;

    /// <summary>The largest page any list serves.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The verdicts a fact can have.</summary>
    public static IReadOnlyList<string> Verdicts { get; } = ["consensus", "contested", "settled", "single-source", "unverified"];

    /// <summary>The described parameters, by name.</summary>
    public static IReadOnlyDictionary<string, QueryParameter> Known { get; } = new[]
    {
        new QueryParameter("validAt",
            "Answer as true in the world on this day (valid time): YYYY-MM-DD, or YYYY or YYYY-MM meaning its first day. Omitted: today.", "2017"),
        new QueryParameter("knownAt",
            "Answer as the store believed at this instant (transaction time): ISO 8601 with an offset. Omitted: now.", "2026-01-01T00:00:00Z"),
        new QueryParameter("verdict", "Only facts with this verdict (as of validAt and knownAt when given).", "contested", Verdicts),
        new QueryParameter("orderBy", "The order of the list: by id, or by effective reliability (highest first).", "reliability", ["id", "reliability"]),
        new QueryParameter(Cursor,
            "Where the page starts: the 'nextCursor' of the previous page (also in its Link: rel=\"next\" header). Omitted: the first page.", null),
        new QueryParameter(Limit, $"Items per page, 1 to {MaxLimit} (default {DefaultLimit}); the same on every list.", "20"),
        new QueryParameter("after", "Deprecated alias of 'cursor' on the feed, kept for existing clients; send 'cursor' instead.", null, Deprecated: true),
        new QueryParameter("subject", "Only facts about this subject (e.g. sco).", "sco"),
        new QueryParameter("property", "Only facts of this property (e.g. member-states).", "member-states"),
        new QueryParameter("source", "Only facts with a claim from this source.", "xinhua-2025-11-21"),
    }.ToDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>A 400 problem naming the parameter whose value is wrong.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Bad(string name, string detail) =>
        Problems.Of(ProblemKinds.MalformedRequest, detail, new Dictionary<string, object?> { ["parameter"] = name });

    /// <summary>
    /// The query parameters an endpoint binds: the handler's simple-typed parameters that are not route values,
    /// headers or services, by their query name. Null for endpoints whose handler is not known (static files, say).
    /// </summary>
    internal static IReadOnlySet<string>? AcceptedBy(Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<MethodInfo>() is not { } method)
            return null;
        var routeValues = endpoint is RouteEndpoint route
            ? route.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase)
            : [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var parameter in method.GetParameters())
        {
            if (parameter.GetCustomAttribute<FromQueryAttribute>() is { } fromQuery)
            {
                names.Add(fromQuery.Name ?? parameter.Name!);
                continue;
            }
            if (parameter.Name is null || routeValues.Contains(parameter.Name) || !IsSimple(parameter.ParameterType)
                || parameter.GetCustomAttributes().Any(a => a is FromHeaderAttribute or FromServicesAttribute or FromBodyAttribute or FromRouteAttribute))
                continue;
            names.Add(parameter.Name);
        }
        return names;
    }

    private static bool IsSimple(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsArray) t = t.GetElementType()!;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(DateOnly) || t == typeof(DateTime)
            || t == typeof(DateTimeOffset) || t == typeof(TimeSpan) || t == typeof(Guid);
    }
}

/// <summary>
/// Refuses, with a 400 problem naming the parameter, a query parameter the endpoint does not take and a value
/// outside a parameter's allowed set. Runs after routing, so it knows the endpoint.
/// </summary>
internal sealed class QueryParameterMiddleware(RequestDelegate next)
{
    private readonly ConcurrentDictionary<Endpoint, IReadOnlySet<string>?> _accepted = new();

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint() is { } endpoint && _accepted.GetOrAdd(endpoint, QueryParameters.AcceptedBy) is { } accepted)
        {
            foreach (var (name, values) in context.Request.Query)
            {
                if (!accepted.Contains(name))
                {
                    var takes = accepted.Count == 0 ? "This operation takes no query parameters." : $"This operation takes: {string.Join(", ", accepted.Order(StringComparer.Ordinal))}.";
                    await QueryParameters.Bad(name, $"Unknown query parameter '{name}'. {takes}").ExecuteAsync(context);
                    return;
                }
                if (QueryParameters.Known.TryGetValue(name, out var known) && known.AllowedValues is { } allowed
                    && values.Any(v => !allowed.Contains(v ?? "", StringComparer.Ordinal)))
                {
                    await QueryParameters.Bad(name, $"{name} must be one of: {string.Join(", ", allowed)}; got '{values}'.").ExecuteAsync(context);
                    return;
                }
            }
        }
        await next(context);
    }
}

/// <summary>
/// Gives every operation's query parameters their shared description, example and allowed values, and declares
/// the request headers the platform reads (<c>Idempotency-Key</c> on POSTs, <c>If-Match</c> on writes,
/// <c>If-None-Match</c> on reads) so that Swagger UI can send them.
/// </summary>
internal sealed class QueryParametersFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        operation.Parameters ??= [];
        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>())
        {
            if (parameter.In != ParameterLocation.Query || parameter.Name is null || !QueryParameters.Known.TryGetValue(parameter.Name, out var known))
                continue;
            parameter.Description = known.Description;
            parameter.Deprecated = known.Deprecated;
            if (known.Example is not null)
                parameter.Example = known.Name == QueryParameters.Limit ? System.Text.Json.Nodes.JsonValue.Create(QueryParameters.DefaultLimit) : System.Text.Json.Nodes.JsonValue.Create(known.Example);
            if (parameter.Schema is OpenApiSchema schema)
            {
                if (known.AllowedValues is { } allowed)
                    schema.Enum = allowed.Select(v => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(v)).ToList();
                if (known.Name == QueryParameters.Limit)
                {
                    schema.Minimum = "1";
                    schema.Maximum = QueryParameters.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    schema.Default = System.Text.Json.Nodes.JsonValue.Create(QueryParameters.DefaultLimit);
                }
            }
        }

        var method = context.ApiDescription.HttpMethod ?? "";
        if (HttpMethods.IsPost(method))
        {
            AddHeader(operation, IdempotencyMiddleware.HeaderName,
                "Any unique string (a UUID, say). A retry with the same key and the same request returns the first response, marked 'Idempotent-Replayed: true', and does not run it again.",
                "3f0c1e9a-7b2d-4d8e-9a51-2c6f0e4b7d10");
        }
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            AddHeader(operation, "If-Match",
                "The ETag the resource was read with (e.g. \"7\"): the write happens only if it is still current, else 412. \"0\" asks that the resource does not exist yet.",
                "\"7\"");
        }
        else if (context.ApiDescription.SupportedResponseTypes.Any(r => r.StatusCode == StatusCodes.Status200OK))
        {
            AddHeader(operation, "If-None-Match", "The ETag of a copy you hold: 304 Not Modified, without a body, when it is still current.", null);
        }
    }

    private static void AddHeader(OpenApiOperation operation, string name, string description, string? example)
    {
        if (operation.Parameters!.Any(p => p.In == ParameterLocation.Header && string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            return;
        operation.Parameters!.Add(new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Header,
            Required = false,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            Example = example is null ? null : System.Text.Json.Nodes.JsonValue.Create(example),
        });
    }
}
