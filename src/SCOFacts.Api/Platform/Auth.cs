using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace SCOFacts.Api.Platform;

/// <summary>The authorization policies write endpoints require, e.g. <c>.RequireAuthorization(Policies.Checker)</c>.</summary>
public static class Policies
{
    /// <summary>Checkers and editors.</summary>
    public const string Checker = "checker";

    /// <summary>Editors only.</summary>
    public const string Editor = "editor";

    /// <summary>Auditors and editors.</summary>
    public const string Auditor = "auditor";
}

public static class PrincipalExtensions
{
    /// <summary>The name recorded in event metadata: <c>{role}:{name}</c>, or <c>anonymous</c> for a request without a key.</summary>
    public static string ScoFactsPrincipalName(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.Identity is not { IsAuthenticated: true, Name: { } name })
            return "anonymous";
        var role = principal.FindFirst(ClaimTypes.Role)?.Value;
        return role is null ? name : $"{role}:{name}";
    }
}

/// <summary>Reads an API key from <c>Authorization: Bearer</c> or <c>X-Api-Key</c>.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys,
    IProblemDetailsService problemDetails)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = ReadKey(Request);
        if (key is null)
            return AuthenticateResult.NoResult();

        var info = await keys.FindLiveAsync(key, Context.RequestAborted);
        if (info is null)
            return AuthenticateResult.Fail("The API key is unknown or revoked.");

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, info.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Name, info.Name),
                new Claim(ClaimTypes.Role, info.Role),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"Bearer realm=\"SCOFacts\", ApiKey realm=\"SCOFacts\" header=\"{HeaderName}\"";
        var result = await HandleAuthenticateOnceSafeAsync();
        var detail = result.Failure is not null
            ? "The API key is unknown or revoked."
            : $"This operation needs an API key: send 'Authorization: Bearer <key>' or '{HeaderName}: <key>'.";
        await WriteAsync(ProblemKinds.Unauthorized, detail);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        var role = Context.User.FindFirst(ClaimTypes.Role)?.Value ?? "unknown";
        await WriteAsync(ProblemKinds.Forbidden, $"The role '{role}' may not perform this operation.");
    }

    private async Task WriteAsync(ProblemKind kind, string detail) =>
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Type = kind.Type, Title = kind.Title, Status = kind.Status, Detail = detail },
        });

    private static string? ReadKey(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return NullIfBlank(header["Bearer ".Length..]);
        return NullIfBlank(request.Headers[HeaderName].ToString());
    }

    private static string? NullIfBlank(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

public static class AuthSetup
{
    /// <summary>API-key authentication, the role policies and (unless <c>Bootstrap:CreateEditorKey</c> is false) a first editor key.</summary>
    public static IServiceCollection AddScoFactsAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section);
        services.AddMemoryCache();
        services.AddSingleton<ApiKeyStore>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Checker, policy => policy.RequireRole(Roles.Checker, Roles.Editor))
            .AddPolicy(Policies.Editor, policy => policy.RequireRole(Roles.Editor))
            .AddPolicy(Policies.Auditor, policy => policy.RequireRole(Roles.Auditor, Roles.Editor));
        services.AddHostedService<BootstrapEditorKey>();
        return services;
    }
}

/// <summary>Settings for a fresh database (section <c>Bootstrap</c>).</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";

    /// <summary>When the database has no API key at all, create an editor key named <c>admin</c> and print it once.</summary>
    public bool CreateEditorKey { get; set; } = true;
}

/// <summary>Gives a fresh installation its first key, so that someone can use the write endpoints and create the others.</summary>
internal sealed partial class BootstrapEditorKey(ApiKeyStore keys, IOptions<BootstrapOptions> options, ILogger<BootstrapEditorKey> logger) : IHostedService
{
    public const string Name = "admin";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.CreateEditorKey || await keys.AnyAsync(cancellationToken))
            return;
        CreatedApiKey created;
        try
        {
            created = await keys.CreateAsync(Name, Roles.Editor, cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return; // Another process starting at the same moment created it.
        }
        // The key goes to the console only, never to the log sinks, and is never shown again.
        Console.WriteLine($"""

            ================================================================================
              SCOFacts: this database had no API keys, so an editor key named '{Name}' was created.
              It is shown only this once; store it now:

                  {created.Key}

              Use it as 'Authorization: Bearer <key>'. Create more keys with
                  dotnet run --project src/SCOFacts.Api -- keys create --role checker --name NAME
            ================================================================================

            """);
        LogCreated(logger, Name);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created the bootstrap editor API key '{Name}' (printed once on the console)")]
    private static partial void LogCreated(ILogger logger, string name);
}
