extern alias api;

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using SCOFacts.EventStore.Hosting;
using ApiKeyStore = api::SCOFacts.Api.Platform.ApiKeyStore;
using ApiProgram = api::Program;

namespace SCOFacts.Benchmarks;

/// <summary>
/// The product as the host-level benchmarks measure it: the API's real Program on a database of its own in a throwaway
/// cluster, quiet, with no seeds, no bootstrap key and no rate limits; optionally served by Kestrel on a loopback port
/// with an editor's <see cref="HttpClient"/>, so that requests go through sockets as a client's would.
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private readonly LocalPostgresCluster _cluster;
    private readonly Factory _factory;
    private readonly HttpClient? _http;

    private BenchHost(LocalPostgresCluster cluster, Factory factory, HttpClient? http)
    {
        _cluster = cluster;
        _factory = factory;
        _http = http;
    }

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>A client of the served host, signed in as an editor (only when started with <c>serve</c>).</summary>
    public HttpClient Http => _http ?? throw new InvalidOperationException("The host was started without serving HTTP.");

    /// <summary>Starts a cluster, creates <paramref name="database"/> in it and starts the host on it.</summary>
    /// <param name="database">The database's name.</param>
    /// <param name="serve">Listen on a loopback port and make <see cref="Http"/>; otherwise only the services run.</param>
    /// <param name="connections">With <paramref name="serve"/>: connections the client may hold open at once.</param>
    /// <param name="settings">Settings on top of the quiet defaults.</param>
    public static async Task<BenchHost> StartAsync(string database, bool serve = true, int? connections = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var cluster = LocalPostgresCluster.CreateThrowaway(new LocalPostgresClusterOptions());
        await cluster.StartAsync();
        var connectionString = await CreateDatabaseAsync(cluster.ConnectionString, database);
        var factory = new Factory(connectionString, settings);
        if (!serve)
            return new BenchHost(cluster, factory, null);

        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var key = (await factory.Services.GetRequiredService<ApiKeyStore>().CreateAsync("bench", "editor")).Key;
        var handler = connections is { } n ? new SocketsHttpHandler { MaxConnectionsPerServer = n } : new SocketsHttpHandler();
        var http = new HttpClient(handler) { BaseAddress = new Uri(address) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return new BenchHost(cluster, factory, http);
    }

    /// <summary>Creates <paramref name="database"/> on the server and returns a connection string to it.</summary>
    public static async Task<string> CreateDatabaseAsync(string serverConnectionString, string database)
    {
        await using (var admin = new NpgsqlConnection(serverConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = database }.ConnectionString;
    }

    /// <summary>POSTs <paramref name="body"/> as JSON; anything but success stops the benchmark with the problem it got.</summary>
    public async Task PostAsync(string path, object body)
    {
        using var response = await Http.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>One GET, timed to its last body byte, in milliseconds; anything but success stops the benchmark.</summary>
    private async Task<double> TimeGetAsync(string path)
    {
        var began = Stopwatch.GetTimestamp();
        using var response = await Http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        response.EnsureSuccessStatusCode();
        return Stopwatch.GetElapsedTime(began).TotalMilliseconds;
    }

    /// <summary>
    /// GETs <paramref name="first"/> then <paramref name="second"/>, round after round, so both meet the same moments of
    /// a shared machine; the warm-up rounds are not kept. Each list comes back sorted, in milliseconds.
    /// </summary>
    public async Task<(List<double> First, List<double> Second)> InterleaveGetsAsync(string first, string second, int rounds, int warmUp = 20)
    {
        var a = new List<double>(rounds);
        var b = new List<double>(rounds);
        for (var round = -warmUp; round < rounds; round++)
        {
            var x = await TimeGetAsync(first);
            var y = await TimeGetAsync(second);
            if (round < 0) continue;
            a.Add(x);
            b.Add(y);
        }
        a.Sort();
        b.Sort();
        return (a, b);
    }

    /// <summary>Stops the client, the host and the cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        await _factory.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    private sealed class Factory(string connectionString, IReadOnlyDictionary<string, string?>? settings) : WebApplicationFactory<ApiProgram>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            var all = new Dictionary<string, string?>
            {
                ["ConnectionStrings:SCOFacts"] = connectionString,
                ["Bootstrap:CreateEditorKey"] = "false",
                ["RateLimits:Enabled"] = "false",
                ["Seeds:LoadOnStart"] = "false",
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(all));
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        }
    }
}
