using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SCOFacts.Api.Platform;
using SCOFacts.Testing;

namespace SCOFacts.Desk.Tests;

/// <summary>
/// The real <c>Program</c> on a real Kestrel loopback port (a browser cannot reach a TestServer), against a fresh
/// real PostgreSQL database with the repository's seed set loaded, plus the machine's Chromium driven by Playwright.
/// One per test collection: starting the host and the browser is the slow part.
/// </summary>
public sealed class DeskHost : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>Debian's Chromium. Playwright's own browser download is never used (no network here).</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private TestDatabase? _database;
    private IPlaywright? _playwright;
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

    /// <summary>Where the app listens, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The raw API key per role, named <c>desk-{role}</c>.</summary>
    public IReadOnlyDictionary<string, string> Keys => _keys;

    /// <summary>The browser every test opens its contexts in.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The repository's root (the folder holding SCOFacts.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateEmptyAsync();
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        foreach (var role in Roles.All)
            _keys[role] = (await Services.GetRequiredService<ApiKeyStore>().CreateAsync($"desk-{role}", role)).Key;

        Assert.True(File.Exists(ChromiumPath), $"No Chromium at {ChromiumPath}: apt-get install chromium (.ci/run does).");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Tests run as root, where Chromium's sandbox cannot start.
            Args = ["--no-sandbox"],
        });
    }

    /// <summary>A fresh browser context (own cookies), signed in with <paramref name="role"/>'s key when given.</summary>
    public async Task<IPage> OpenAsync(string? role = null, int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        if (role is not null)
        {
            await page.GotoAsync("/signin");
            await page.GetByLabel("API key").FillAsync(_keys[role]);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync($"{role}:desk-{role}");
        }
        return page;
    }

    /// <summary>An HTTP client for the API with <paramref name="role"/>'s key (none when null).</summary>
    public HttpClient Api(string? role = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (role is not null) client.DefaultRequestHeaders.Authorization = new("Bearer", _keys[role]);
        return client;
    }

    /// <summary>Saves a screenshot of <paramref name="page"/> as docs/screenshots/<paramref name="name"/>.png.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        var folder = Path.Combine(RepositoryRoot, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            [$"ConnectionStrings:{ScoFactsDatabase.ConnectionStringName}"] = _database!.ConnectionString,
            ["Bootstrap:CreateEditorKey"] = "false",
            ["RateLimits:Enabled"] = "false",
            ["Seeds:LoadOnStart"] = "true",
            ["Seeds:Folder"] = Path.Combine(RepositoryRoot, "seeds"),
        };
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        await DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "SCOFacts.sln"))) return folder.FullName;
        }
        throw new InvalidOperationException($"No SCOFacts.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>The browser tests share one host and one browser.</summary>
[CollectionDefinition(Name)]
public sealed class DeskCollection : ICollectionFixture<DeskHost>
{
    public const string Name = "desk";
}
