using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.Filters;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Desk;

/// <summary>
/// Signing in to the desk: an API key once, then a session cookie. The cookie (encrypted by Data Protection,
/// HttpOnly, SameSite=Strict, Secure over TLS) holds the key itself, and every request checks it again with
/// the API's own key store, so a revoked key ends desk sessions as soon as it stops working for the API.
/// </summary>
public static class DeskAuth
{
    /// <summary>The desk's cookie scheme; the API keeps its own default scheme.</summary>
    public const string Scheme = "Desk";

    /// <summary>The cookie's name.</summary>
    public const string CookieName = "scofacts.desk";

    private const string KeyClaim = "scofacts:api-key";

    public static IServiceCollection AddDeskAuth(this IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(Scheme, options =>
        {
            options.Cookie.Name = CookieName;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.LoginPath = "/signin";
            options.LogoutPath = "/signout";
            options.SlidingExpiration = true;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
        });
        return services;
    }

    /// <summary>Checks the key with the API's store and signs the desk session in as that key's principal.</summary>
    /// <returns>The key's principal name, or null when the key is unknown or revoked.</returns>
    public static async Task<string?> SignInAsync(HttpContext context, string key)
    {
        ArgumentNullException.ThrowIfNull(context);
        var keys = context.RequestServices.GetRequiredService<ApiKeyStore>();
        var info = await keys.FindLiveAsync(key.Trim(), context.RequestAborted);
        if (info is null) return null;
        var identity = new ClaimsIdentity([new Claim(KeyClaim, key.Trim())], Scheme);
        await context.SignInAsync(Scheme, new ClaimsPrincipal(identity));
        return info.PrincipalName;
    }

    /// <summary>
    /// The request's user from the desk cookie, shaped exactly as the API-key handler shapes it (name, role), so
    /// that the same authorization policies and the same event metadata apply. Null without a live session.
    /// </summary>
    internal static async Task<ClaimsPrincipal?> AuthenticateAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(Scheme);
        if (!result.Succeeded || result.Principal.FindFirst(KeyClaim)?.Value is not { } key) return null;
        var info = await context.RequestServices.GetRequiredService<ApiKeyStore>().FindLiveAsync(key, context.RequestAborted);
        if (info is null)
        {
            await context.SignOutAsync(Scheme);
            return null;
        }
        return new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, info.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Name, info.Name),
                new Claim(ClaimTypes.Role, info.Role),
            ],
            Scheme));
    }
}

/// <summary>Desk pages carry the desk's security headers.</summary>
internal sealed class DeskHeadersFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context)
    {
        DeskModule.AddSecurityHeaders(context.HttpContext.Response);
        return Task.CompletedTask;
    }

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return next();
    }
}

/// <summary>What the desk user may do, by the API's own policies.</summary>
public static class DeskRoles
{
    /// <summary>True when the request's user satisfies <paramref name="policy"/> (see <see cref="Policies"/>).</summary>
    public static async Task<bool> AllowsAsync(HttpContext context, string policy)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.User.Identity?.IsAuthenticated != true) return false;
        var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
        return (await authorization.AuthorizeAsync(context.User, policy)).Succeeded;
    }
}
