using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SCOFacts.Api.Platform;
using SCOFacts.Testing;
using Xunit.Abstractions;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.Operations;

/// <summary>
/// The app as <c>dotnet run</c> starts it: no connection string, so it starts and supervises its own PostgreSQL
/// cluster (fsync on) in a folder of its own, removed afterwards.
/// </summary>
public sealed class EmbeddedClusterFactory : ApiFactory
{
    private readonly string _folder = CreateFolder();

    /// <summary>The cluster the app started.</summary>
    public SCOFacts.EventStore.Hosting.LocalPostgresCluster Cluster =>
        Services.GetRequiredService<ScoFactsDatabase>().LocalCluster ?? throw new InvalidOperationException("The app started no local cluster.");

    /// <summary>A connection to the app's own database in that cluster, for assertions.</summary>
    public NpgsqlConnection OpenAppDatabase()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Cluster.ConnectionString) { Database = "scofacts", Pooling = false }.ConnectionString);
        connection.Open();
        return connection;
    }

    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings[$"ConnectionStrings:{ScoFactsDatabase.ConnectionStringName}"] = "";
        settings["LocalDatabase:Folder"] = Path.Combine(_folder, "postgres");
        settings["LocalDatabase:DatabaseName"] = "scofacts";
    }

    // Open to others, as a clone's folder is: the server runs as the postgres user when the tests run as root.
    private static string CreateFolder()
    {
        var folder = Directory.CreateTempSubdirectory("scofacts-outage-").FullName;
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return folder;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>
/// kill -9 of the PostgreSQL postmaster while eight clients record claims: no request gets a 500 (only 2xx, 503 with
/// Retry-After, or 409 idempotency-in-progress, which says to retry), the supervisor brings the server back without
/// restarting the app, and afterwards every acknowledged claim is stored exactly once, with its read model row.
/// </summary>
public sealed class KillPostmasterTests(EmbeddedClusterFactory factory, ITestOutputHelper output) : IClassFixture<EmbeddedClusterFactory>
{
    private const int Clients = 8;
    private const int ClaimsPerClient = 12;
    private const string Fact = "ko.after";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Kill_9_of_the_postmaster_costs_no_500_no_lost_and_no_duplicated_claim_and_needs_no_restart()
    {
        await RegisterSourceAsync(factory, "ko-wire", "Wire");
        await DefineQuantityAsync(factory, Fact, "percent");
        // A fact per client: the outage is under test here, not lost races between writers of one fact.
        for (var c = 0; c < Clients; c++)
            await DefineQuantityAsync(factory, ClientFact(c), "percent");

        var acknowledged = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var statuses = new ConcurrentQueue<(HttpStatusCode Status, string? Code, bool RetryAfter)>();
        using var stop = new CancellationTokenSource(Patience);
        var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < ClaimsPerClient; i++)
                await RecordUntilAcknowledgedAsync(ClientFact(c), $"ko-{c}-{i}", acknowledged, statuses, stop.Token);
        })).ToArray();

        await Wait.UntilAsync(() => acknowledged.Count >= 2 * Clients, Patience, "the clients have recorded some claims");
        var postmaster = PostmasterProcessId();
        using (var process = Process.GetProcessById(postmaster))
            process.Kill(); // SIGKILL: no shutdown, no checkpoint.
        await Wait.UntilAsync(() => !IsAlive(postmaster), Patience, "the postmaster is dead");

        await Task.WhenAll(clients).WaitAsync(Patience);

        var seen = statuses.ToList();
        output.WriteLine("Answers during the run: " + string.Join(", ", seen.GroupBy(s => $"{(int)s.Status} {s.Code}".Trim())
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} x{g.Count()}")));
        Assert.DoesNotContain(seen, s => (int)s.Status >= 500 && s.Status != HttpStatusCode.ServiceUnavailable);
        Assert.All(seen, s => Assert.True(
            (int)s.Status is >= 200 and < 300
            || (s.Status == HttpStatusCode.ServiceUnavailable && s.Code == "service-unavailable" && s.RetryAfter)
            || (s.Status == HttpStatusCode.Conflict && s.Code == "idempotency-in-progress"),
            $"{(int)s.Status} {s.Code} (Retry-After: {s.RetryAfter})"));
        Assert.Contains(seen, s => s.Status == HttpStatusCode.ServiceUnavailable);
        Assert.Equal(Clients * ClaimsPerClient, acknowledged.Count);

        // Recovered without a restart of the app: ready again, and the supervisor says it restarted the server.
        await Wait.UntilAsync(async () =>
        {
            using var ready = await factory.Anonymous.GetAsync(new Uri("/health/ready", UriKind.Relative));
            return ready.StatusCode == HttpStatusCode.OK;
        }, Patience, "/health/ready is 200 again");
        var health = await GetAsync(factory.Anonymous, "/health/ready");
        var cluster = health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "local-cluster");
        Assert.Contains("restarted 1 time(s)", cluster.GetProperty("description").GetString(), StringComparison.Ordinal);
        await RecordAsync(factory.Checker, Fact, "ko-after", "ko-wire", Quantity("1", "percent"), At("2025"));

        // Every acknowledged claim is stored once, events and read model alike; nothing unacknowledged slipped in.
        await using var connection = factory.OpenAppDatabase();
        var events = await CountPerClaimAsync(connection,
            "select data->>'claimId', count(*) from mt_events where type = 'ClaimRecorded' and data->>'claimId' like 'ko-%-%' group by 1");
        var indexed = await CountPerClaimAsync(connection,
            "select claim_id, count(*) from claim_index where claim_id like 'ko-%-%' group by 1");
        var expected = acknowledged.Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, events.Keys.Order(StringComparer.Ordinal).ToList());
        Assert.All(events, e => Assert.Equal(1, e.Value));
        Assert.Equal(expected, indexed.Keys.Order(StringComparer.Ordinal).ToList());

        var scrape = await Prometheus.ScrapeAsync(factory.Anonymous);
        Assert.True(Prometheus.Sum(scrape, "scofacts_local_cluster_restarts_total") >= 1, scrape);
        Assert.True(Prometheus.Sum(scrape, "scofacts_requests_database_unavailable_total") >= 1, scrape);
    }

    private static string ClientFact(int client) => $"ko.client-{client}";

    private async Task RecordUntilAcknowledgedAsync(string factId, string claimId, ConcurrentDictionary<string, int> acknowledged,
        ConcurrentQueue<(HttpStatusCode, string?, bool)> statuses, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/facts/{factId}/claims")
            {
                Content = JsonContent.Create(new
                {
                    id = claimId, sourceId = "ko-wire", value = Quantity("1", "percent"), validTime = At("2025"), quote = $"The words of {claimId}.",
                }),
                Headers = { { "Idempotency-Key", claimId } },
            };
            using var response = await factory.Checker.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            string? code = null;
            if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
                code = JsonDocument.Parse(body).RootElement.GetProperty("type").GetString()?.Split('/')[^1];
            statuses.Enqueue((response.StatusCode, code, response.Headers.RetryAfter is not null));
            if (response.IsSuccessStatusCode)
            {
                acknowledged.AddOrUpdate(claimId, 1, (_, n) => n + 1);
                return;
            }
            if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.Conflict))
                return; // Recorded above; the assertions say what it was.
            // A client's pause before retrying, shorter than Retry-After to keep the test brisk.
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    private int PostmasterProcessId() =>
        int.Parse(File.ReadLines(Path.Combine(factory.Cluster.DataDirectory, "postmaster.pid")).First(), NumberStyles.None, CultureInfo.InvariantCulture);

    // A killed process nobody has reaped yet is a zombie (state Z): dead, though its pid is still taken.
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<Dictionary<string, long>> CountPerClaimAsync(NpgsqlConnection connection, string sql)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }
}
