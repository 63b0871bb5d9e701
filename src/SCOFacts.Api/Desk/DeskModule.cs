using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.FileProviders;

namespace SCOFacts.Api.Desk;

/// <summary>
/// The desk: server-rendered pages at <c>/</c> where checkers, editors and auditors work (Razor Pages, a little
/// plain JavaScript, every asset served from this process). It reads through the same readers as the API and
/// writes through <see cref="DeskActions"/>, which runs the API's commands.
/// </summary>
public static class DeskModule
{
    /// <summary>The folder of the desk's static assets, next to the application.</summary>
    public static string AssetsFolder => Path.Combine(AppContext.BaseDirectory, "wwwroot");

    public static WebApplicationBuilder AddDesk(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Desk/Pages";
            options.Conventions.ConfigureFilter(new DeskHeadersFilter());
        });
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "scofacts.desk.af";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.FormFieldName = "__desk_af";
        });
        services.AddDeskAuth();
        services.AddSingleton<DeskQueries>();
        services.AddSingleton<DeskActions>();
        return builder;
    }

    public static WebApplication MapDesk(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Only the desk's own folder is served, with no directory listing; a missing folder serves nothing.
        if (Directory.Exists(AssetsFolder))
        {
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new PhysicalFileProvider(AssetsFolder),
                OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "public, max-age=300",
            });
        }
        // The desk session's user, for desk pages only (never the API: a cookie must not authorize API writes).
        // Before the pages' own filters, so that anti-forgery tokens are checked against the signed-in user.
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<PageActionDescriptor>() is not null
                && await DeskAuth.AuthenticateAsync(context) is { } user)
                context.User = user;
            await next(context);
        });
        app.MapRazorPages();
        return app;
    }

    /// <summary>Headers every desk page carries: nothing runs or loads that this process did not serve.</summary>
    internal static void AddSecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "same-origin";
    }
}
