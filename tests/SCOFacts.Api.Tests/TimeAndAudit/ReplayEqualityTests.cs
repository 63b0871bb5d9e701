using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SCOFacts.Api.Application;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;
using SCOFacts.Domain.Values;
using SCOFacts.EventStore;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.TimeAndAudit;

/// <summary>
/// A long random history through the app's own command path: folding each fact's events answers exactly as the
/// inline projection's row does, and rebuilding the projections from the log reproduces the live rows.
/// </summary>
public sealed class ReplayEqualityTests(ApiFactory factory) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private const int FactCount = 50;
    private const int CommandCount = 1000;

    private sealed class FactModel(string id, bool quantity)
    {
        public string Id { get; } = id;
        public bool IsQuantity { get; } = quantity;
        public List<string> Claims { get; } = [];
        public Dictionary<string, string> OpenDisputes { get; } = new(StringComparer.Ordinal);
    }

    private static List<FactModel> Facts { get; } = [];

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Generates the history once per class (its tests share the factory and run one after another).</summary>
    public async Task InitializeAsync()
    {
        using (var existing = await factory.Anonymous.GetAsync(new Uri("/api/facts/rp.fact-00", UriKind.Relative)))
        {
            if (existing.StatusCode == System.Net.HttpStatusCode.OK) return;
        }
        Facts.Clear();
        Facts.AddRange(await GenerateAsync());
    }

    private async Task<List<FactModel>> GenerateAsync()
    {
        var desk = factory.Services.GetRequiredService<FactsDesk>();
        var random = new Random(20250601);
        var accepted = 0;
        var issued = 0;

        async Task RunAsync(object command)
        {
            issued++;
            var metadata = new EventMetadata("editor:replay", CorrelationId: $"replay-{issued}");
            var rejected = command switch
            {
                IFactCommand f => (await desk.RunAsync(f, metadata)).Rejection,
                ISourceCommand s => (await desk.RunAsync(s, metadata)).Rejection,
                _ => throw new ArgumentException("not a command", nameof(command)),
            };
            if (rejected is null) accepted++;
        }

        var publishers = new[] { "Wire One", "Wire One", "Daily Two", "Review Three", "Ministry Four", "Academy Five" };
        var sources = publishers.Select((p, i) => $"rp-source-{i}").ToList();
        for (var i = 0; i < sources.Count; i++)
        {
            await RunAsync(new RegisterSource(sources[i], $"Document {i}", publishers[i], null, null, PartialDate.Parse("2025"),
                i % 2 == 0 ? "news" : "official", "en", null, null, null, "editor:replay"));
        }

        var facts = new List<FactModel>();
        for (var i = 0; i < FactCount; i++)
        {
            var quantity = i % 2 == 0;
            var model = new FactModel($"rp.fact-{i:D2}", quantity);
            facts.Add(model);
            await RunAsync(quantity
                ? new DefineFact(model.Id, "rp", $"share-{i}", null, "quantity", "percent", null, "A share.", "editor:replay")
                : new DefineFact(model.Id, "rp", $"status-{i}", new Dictionary<string, string> { ["state"] = $"s{i}" }, "status", null,
                    ["applicant", "observer", "member"], "A status.", "editor:replay"));
        }

        string[] amounts = ["30", "44", "45", "50", "44.5"];
        QuantityApprox[] approxes = [QuantityApprox.Exact, QuantityApprox.About, QuantityApprox.Nearly, QuantityApprox.MoreThan];
        string[] statuses = ["applicant", "observer", "member"];
        ValidTime[] validTimes =
        [
            ValidTime.Instant(PartialDate.Parse("2016")), ValidTime.Instant(PartialDate.Parse("2017")), ValidTime.Instant(PartialDate.Parse("2025")),
            ValidTime.Between(PartialDate.Parse("2017"), PartialDate.Parse("2025")), ValidTime.Between(PartialDate.Parse("2020-06"), null),
        ];
        ClaimValue ValueFor(FactModel fact) => fact.IsQuantity
            ? new QuantityValue(amounts[random.Next(amounts.Length)], "percent", approxes[random.Next(approxes.Length)])
            : new StatusValue(statuses[random.Next(statuses.Length)]);
        T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        var claimNumber = 0;
        while (issued < CommandCount)
        {
            var fact = Pick(facts);
            var roll = random.Next(100);
            if (roll < 40 || fact.Claims.Count == 0)
            {
                var claimId = $"rp-claim-{++claimNumber:D4}";
                fact.Claims.Add(claimId);
                await RunAsync(new RecordClaim(fact.Id, claimId, Pick(sources), ValueFor(fact), Pick(validTimes), $"Quote {claimId}.", null, null, "checker:replay"));
            }
            else if (roll < 52)
            {
                var claimId = Pick(fact.Claims);
                var disputeId = $"rp-dispute-{issued}";
                fact.OpenDisputes[claimId] = disputeId;
                await RunAsync(new DisputeClaim(fact.Id, claimId, disputeId, "Doubtful.",
                    random.Next(2) == 0 ? new CounterEvidence(Pick(sources), "Other words.") : null, "checker:replay"));
            }
            else if (roll < 62 && fact.OpenDisputes.Count > 0)
            {
                var (claimId, disputeId) = fact.OpenDisputes.First();
                fact.OpenDisputes.Remove(claimId);
                await RunAsync(random.Next(2) == 0
                    ? new UpholdDispute(fact.Id, claimId, disputeId, "editor:replay", "Upheld.")
                    : new RejectDispute(fact.Id, claimId, disputeId, "editor:replay", "Rejected."));
            }
            else if (roll < 72)
            {
                await RunAsync(new EndorseClaim(fact.Id, Pick(fact.Claims), $"checker:replay-{random.Next(3)}", null));
            }
            else if (roll < 77)
            {
                await RunAsync(new RetractClaim(fact.Id, Pick(fact.Claims), "editor:replay", "Withdrawn."));
            }
            else if (roll < 87)
            {
                await RunAsync(new CorrectClaim(fact.Id, Pick(fact.Claims), ValueFor(fact), "editor:replay", "Misrecorded."));
            }
            else
            {
                await RunAsync(new RateSource(Pick(sources), Math.Round(random.NextDouble(), 2), "Track record.", "editor:replay"));
            }
        }
        Assert.True(accepted > CommandCount * 3 / 4, $"only {accepted} of {issued} commands were accepted");
        return facts;
    }

    [Fact]
    public async Task Folding_every_facts_events_answers_as_the_inline_projections_row_does()
    {
        var facts = Facts;
        Assert.Equal(FactCount, facts.Count);

        // The inline projection's rows, through the list endpoint.
        var rows = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await GetAsync(factory.Anonymous, $"/api/facts?subject=rp&limit=100{(cursor is null ? "" : $"&cursor={cursor}")}");
            foreach (var item in page.GetProperty("items").EnumerateArray()) rows.Add(item.GetProperty("id").GetString()!, item);
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal(FactCount, rows.Count);

        var verdicts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fact in facts)
        {
            var folded = await GetAsync(factory.Anonymous, $"/api/facts/{fact.Id}");
            var row = rows[fact.Id];
            var value = folded.GetProperty("value");
            Assert.Equal(
                (row.GetProperty("verdict").GetString(), row.GetProperty("value").GetString(), row.GetProperty("confidence").GetDouble(),
                    row.GetProperty("version").GetInt64(), row.GetProperty("claimCount").GetInt32()),
                (folded.GetProperty("verdict").GetString(), value.ValueKind == JsonValueKind.Null ? null : value.GetProperty("display").GetString(),
                    folded.GetProperty("confidence").GetDouble(), folded.GetProperty("version").GetInt64(), folded.GetProperty("claimCount").GetInt32()));
            verdicts.Add(folded.GetProperty("verdict").GetString()!);
        }
        // The history was varied enough to reach most verdicts.
        Assert.True(verdicts.Count >= 3, $"only verdicts {string.Join(", ", verdicts)}");
    }

    [Fact]
    public async Task Rebuilding_the_projections_from_the_log_reproduces_the_live_rows()
    {
        Assert.Equal(FactCount, Facts.Count);
        var (exitCode, output, error) = await CliAsync(factory, "projections", "rebuild", "--verify");
        Assert.True(exitCode == 0, $"exit {exitCode}: {output} {error}");
        Assert.Contains("facts: ", output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"[1-9]\d* rows differ", output);
    }
}
