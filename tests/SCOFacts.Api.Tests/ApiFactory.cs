using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SCOFacts.Api.Platform;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests;

/// <summary>
/// Boots the real <c>Program</c> against a fresh, real PostgreSQL database (one per factory, migrated by the app's
/// own start-up) and hands out clients per role. Use it as <c>IClassFixture&lt;ApiFactory&gt;</c>, or derive from
/// it to change settings (<see cref="ConfigureSettings"/>), services (<see cref="ConfigureTestServices"/>) or to
/// add test-only endpoints (<see cref="MapTestEndpoints"/>).
/// </summary>
/// <remarks>
/// Defaults differ from production in two ways: no bootstrap editor key is created (the factory creates its own
/// keys) and rate limiting is off (a test that wants it sets <c>RateLimits:Enabled</c> to true).
/// </remarks>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private TestDatabase? _database;
    private readonly string _ledgerFolder = Path.Combine(Path.GetTempPath(), "scofacts-ledger-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

    /// <summary>The factory's database.</summary>
    public TestDatabase Database => _database ?? throw new InvalidOperationException("The factory has not been initialised by xunit yet.");

    /// <summary>The ledger's signing key file: the factory's own, in a temporary folder removed with the factory.</summary>
    public virtual string LedgerKeyPath => Path.Combine(_ledgerFolder, "signing.key");

    /// <summary>A data source for direct assertions on the database (not the app's own).</summary>
    public NpgsqlDataSource DataSource => Database.DataSource;

    /// <summary>The raw API key per role (<see cref="Roles"/>), named <c>test-{role}</c>.</summary>
    public IReadOnlyDictionary<string, string> Keys => _keys;

    /// <summary>A client that sends no key.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>A client with the checker key as <c>Authorization: Bearer</c>; principal <c>checker:test-checker</c>.</summary>
    public HttpClient Checker { get; private set; } = null!;

    /// <summary>A client with the editor key; principal <c>editor:test-editor</c>.</summary>
    public HttpClient Editor { get; private set; } = null!;

    /// <summary>A client with the auditor key; principal <c>auditor:test-auditor</c>.</summary>
    public HttpClient Auditor { get; private set; } = null!;

    /// <summary>Creates the database, starts the app (which migrates it), then the keys and clients.</summary>
    public virtual async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateEmptyAsync();
        await OnDatabaseCreatedAsync(_database);
        _ = Services; // Starts the host: migrations are applied before this returns.
        foreach (var role in Roles.All)
            _keys[role] = await CreateKeyAsync(role, $"test-{role}");
        Anonymous = CreateClientWithKey(null);
        Checker = CreateClientWithKey(_keys[Roles.Checker]);
        Editor = CreateClientWithKey(_keys[Roles.Editor]);
        Auditor = CreateClientWithKey(_keys[Roles.Auditor]);
    }

    /// <summary>Creates another key through the app's own store and returns it.</summary>
    public async Task<string> CreateKeyAsync(string role, string name)
    {
        var created = await Services.GetRequiredService<ApiKeyStore>().CreateAsync(name, role);
        return created.Key;
    }

    /// <summary>A client sending <paramref name="apiKey"/> as a bearer token (none when null).</summary>
    public HttpClient CreateClientWithKey(string? apiKey)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (apiKey is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <summary>The settings the app sees on top of its appsettings; override to change them (call the base first).</summary>
    protected virtual void ConfigureSettings(IDictionary<string, string?> settings)
    {
        settings[$"ConnectionStrings:{ScoFactsDatabase.ConnectionStringName}"] = Database.ConnectionString;
        settings["Bootstrap:CreateEditorKey"] = "false";
        settings["RateLimits:Enabled"] = "false";
        settings["Seeds:LoadOnStart"] = "false";
        settings["Ledger:SigningKeyPath"] = LedgerKeyPath;
    }

    /// <summary>Replaces or adds services after the app has registered its own.</summary>
    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }

    /// <summary>Runs once the empty database exists, before the app starts (to create test-only tables, say).</summary>
    protected virtual Task OnDatabaseCreatedAsync(TestDatabase database) => Task.CompletedTask;

    /// <summary>
    /// Adds test-only endpoints to the app's own route table through an <see cref="IStartupFilter"/>, so that they run
    /// behind the same middleware (problems, auth, rate limits, idempotency) as the real ones. Call it from
    /// <see cref="ConfigureTestServices"/>.
    /// </summary>
    protected static void MapTestEndpoints(IServiceCollection services, Action<IEndpointRouteBuilder> map) =>
        services.AddSingleton<IStartupFilter>(new TestEndpointsStartupFilter(map));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        ConfigureSettings(settings);
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
        builder.ConfigureTestServices(ConfigureTestServices);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (_database is not null)
            await _database.DisposeAsync();
        if (Directory.Exists(_ledgerFolder))
            Directory.Delete(_ledgerFolder, recursive: true);
    }

    private sealed class TestEndpointsStartupFilter(Action<IEndpointRouteBuilder> map) : IStartupFilter
    {
        // After WebApplication has configured the pipeline, the route table its UseRouting matches against is left in
        // the builder's properties under this key; endpoints added to it before the pipeline is built are matched
        // by the app's own routing middleware, behind the app's own middleware.
        private const string RouteBuilderKey = "__EndpointRouteBuilder";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            if (!app.Properties.TryGetValue(RouteBuilderKey, out var value) || value is not IEndpointRouteBuilder routes)
                throw new InvalidOperationException($"The app's route table is not in the application builder's properties under '{RouteBuilderKey}'.");
            map(routes);
            // UseEndpoints also publishes the route table to the API explorer (and so to the OpenAPI document);
            // the app's own call ran before these endpoints existed.
            app.UseEndpoints(_ => { });
        };
    }
}
