using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SCOFacts.Api.Storage;
using SCOFacts.Api.Subscriptions;
using SCOFacts.Api.Tests.Facts;
using SCOFacts.Api.Tests.Operations;
using SCOFacts.Domain.Facts;
using SCOFacts.EventStore;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Subscriptions;

/// <summary>
/// Answer changes reach subscribers through the outbox: signed, retried, dead-lettered and replayed, filtered, and
/// never announced for a write that rolled back or changed nothing. The receiver is a real Kestrel on loopback.
/// </summary>
public sealed class WebhookTests(WebhookFactory factory) : IClassFixture<WebhookFactory>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const string Secret = "newsroom-secret-0123456789";
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private async Task<string> SubscribeAsync(string hook, string? factId = null, string? subject = null, params string[] verdicts)
    {
        var body = JsonSerializer.Serialize(new
        {
            targetUrl = _receiver.Url(hook),
            factIds = factId is null ? null : new[] { factId },
            subject,
            verdicts = verdicts.Length == 0 ? null : verdicts,
            secret = Secret,
        });
        using var response = await factory.Editor.PostOkAsync("/api/subscriptions", body);
        return (await response.BodyAsync()).GetProperty("id").GetString()!;
    }

    private async Task<IReadOnlyList<ReceivedDelivery>> WaitForAsync(string hook, Func<IReadOnlyList<ReceivedDelivery>, bool> condition, string because,
        TimeSpan? patience = null)
    {
        await Wait.UntilAsync(() => condition(_receiver.For(hook)), patience ?? Patience, because);
        return _receiver.For(hook);
    }

    private static JsonElement Json(ReceivedDelivery delivery) => JsonDocument.Parse(delivery.Body).RootElement;

    [Fact]
    public async Task A_verdict_change_is_delivered_signed_with_the_answer_before_and_after()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var subscription = await SubscribeAsync("signed", fact);

        await factory.RecordClaimAsync(fact, source);

        var delivery = (await WaitForAsync("signed", r => r.Count >= 1, "the change is delivered")).Single();
        Assert.Equal(200, delivery.Status);
        Assert.True(WebhookSignature.Verify(Secret, delivery.Signature, delivery.Body, out var timestamp), $"signature {delivery.Signature} verifies");
        Assert.InRange(DateTimeOffset.FromUnixTimeSeconds(timestamp), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.False(WebhookSignature.Verify("another-secret-0123456789", delivery.Signature, delivery.Body, out _));
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(delivery.Body).Replace("single-source", "consensus", StringComparison.Ordinal));
        Assert.False(WebhookSignature.Verify(Secret, delivery.Signature, tampered, out _));

        var body = Json(delivery);
        Assert.Equal("fact.answer-changed", body.GetProperty("type").GetString());
        Assert.Equal(subscription, body.GetProperty("subscriptionId").GetString());
        Assert.Equal(delivery.DeliveryId, body.GetProperty("deliveryId").GetString());
        Assert.Equal(fact, body.GetProperty("factId").GetString());
        Assert.Equal("unverified", body.GetProperty("before").GetProperty("verdict").GetString());
        Assert.Equal("single-source", body.GetProperty("after").GetProperty("verdict").GetString());
        Assert.Equal("sco", body.GetProperty("after").GetProperty("subject").GetString());
        Assert.Equal(JsonValueKind.String, body.GetProperty("after").GetProperty("value").ValueKind);
        Assert.Equal(2, body.GetProperty("after").GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task A_failing_receiver_gets_the_same_delivery_again_until_it_accepts_it()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        // First the receiver hangs past the 1 s timeout, then answers 500, then accepts.
        _receiver.Script("flaky", attempt => attempt switch { 1 => WebhookReceiver.Hang, 2 => 500, _ => 200 });
        await SubscribeAsync("flaky", fact);

        await factory.RecordClaimAsync(fact, source);

        var attempts = await WaitForAsync("flaky", r => r.Any(d => d.Status == 200), "the third attempt is accepted");
        Assert.Equal([WebhookReceiver.Hang, 500, 200], attempts.Select(a => a.Status));
        Assert.Single(attempts.Select(a => a.DeliveryId).Distinct());
        Assert.All(attempts, a => Assert.True(WebhookSignature.Verify(Secret, a.Signature, a.Body, out _)));
        await Wait.UntilAsync(() => _receiver.Abandoned == 1, Patience, "the sender gives up on the hanging attempt");
    }

    [Fact]
    public async Task A_delivery_that_keeps_failing_goes_to_the_dead_letters_and_a_replay_delivers_it()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var refuse = true;
        _receiver.Script("down", _ => refuse ? 503 : 200);
        var subscription = await SubscribeAsync("down", fact);
        var deadBefore = await CountDeadLettersAsync();
        var outcomesBefore = Outcomes(await Prometheus.ScrapeAsync(factory.Anonymous));

        await factory.RecordClaimAsync(fact, source);

        await Wait.UntilAsync(async () => await CountDeadLettersAsync() > deadBefore, Patience, "Wolverine dead-letters the delivery");
        JsonElement dead = default;
        await Wait.UntilAsync(async () =>
        {
            using var list = await factory.Editor.GetAsync("/api/subscriptions/deliveries/dead");
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            dead = (await list.BodyAsync()).EnumerateArray().FirstOrDefault(d => d.GetProperty("subscriptionId").GetString() == subscription);
            return dead.ValueKind == JsonValueKind.Object;
        }, Patience, "the delivery is listed as dead");
        var attempts = _receiver.For("down");
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(503, a.Status));
        Assert.Equal(fact, dead.GetProperty("factId").GetString());
        Assert.Equal(attempts[0].DeliveryId, dead.GetProperty("deliveryId").GetString());
        Assert.Contains("503", dead.GetProperty("error").GetString(), StringComparison.Ordinal);

        // Each attempt is counted by its outcome, the last as dead-lettered, and the dead letter shows on the gauge.
        string scrape = "";
        await Wait.UntilAsync(async () =>
        {
            scrape = await Prometheus.ScrapeAsync(factory.Anonymous);
            return Prometheus.Sum(scrape, "scofacts_dead_letters", "message_type=") >= 1;
        }, Patience, "the dead-letter gauge counts the delivery");
        var outcomes = Outcomes(scrape);
        Assert.True(outcomes.Failed - outcomesBefore.Failed >= 2, scrape);
        Assert.True(outcomes.DeadLettered - outcomesBefore.DeadLettered >= 1, scrape);

        refuse = false;
        var id = dead.GetProperty("id").GetString();
        using (var checker = await factory.Checker.PostAsync($"/api/subscriptions/deliveries/dead/{id}/replay", null))
            Assert.Equal(HttpStatusCode.Forbidden, checker.StatusCode);
        using (var replay = await factory.Editor.PostJsonAsync($"/api/subscriptions/deliveries/dead/{id}/replay", """{ "reason": "The receiver is back." }"""))
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);

        var delivered = await WaitForAsync("down", r => r.Any(d => d.Status == 200), "the replay is delivered");
        Assert.Equal(4, delivered.Count);
        await Wait.UntilAsync(async () => Outcomes(await Prometheus.ScrapeAsync(factory.Anonymous)).Delivered > outcomesBefore.Delivered,
            Patience, "the replayed delivery is counted as delivered");
        Assert.Equal(attempts[0].DeliveryId, delivered[^1].DeliveryId);
        using var after = await factory.Editor.GetAsync("/api/subscriptions/deliveries/dead");
        Assert.DoesNotContain((await after.BodyAsync()).EnumerateArray(), d => d.GetProperty("id").GetString() == id);
        using var again = await factory.Editor.PostAsync($"/api/subscriptions/deliveries/dead/{id}/replay", null);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    private static (double Delivered, double Failed, double DeadLettered) Outcomes(string scrape) => (
        Prometheus.Sum(scrape, "scofacts_webhooks_deliveries_total", "outcome=\"delivered\"") ?? 0,
        Prometheus.Sum(scrape, "scofacts_webhooks_deliveries_total", "outcome=\"failed\"") ?? 0,
        Prometheus.Sum(scrape, "scofacts_webhooks_deliveries_total", "outcome=\"dead-lettered\"") ?? 0);

    [Fact]
    public async Task Marten_and_wolverine_publish_their_metrics_at_the_scrape_endpoint()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        _receiver.Script("metrics", _ => 200);
        await SubscribeAsync("metrics", fact);
        await factory.RecordClaimAsync(fact, source);
        await WaitForAsync("metrics", r => r.Any(d => d.Status == 200), "the delivery arrives");

        string scrape = "";
        await Wait.UntilAsync(async () =>
        {
            scrape = await Prometheus.ScrapeAsync(factory.Anonymous);
            return scrape.Contains("\nmarten_", StringComparison.Ordinal) && scrape.Contains("\nwolverine_", StringComparison.Ordinal);
        }, Patience, "Marten's and Wolverine's meters are exported");
        Assert.True(Prometheus.Sum(scrape, "scofacts_webhooks_deliveries_total", "outcome=\"delivered\"") >= 1, scrape);
    }

    [Fact]
    public async Task Only_subscriptions_whose_filter_matches_get_a_change()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var subject = Scenario.Id("subj");
        var fact = await factory.DefineQuantityFactAsync(subject: subject);
        var other = await factory.DefineQuantityFactAsync(subject: subject);
        await SubscribeAsync("by-fact", fact);
        await SubscribeAsync("by-other-fact", other);
        await SubscribeAsync("by-subject", subject: subject);
        await SubscribeAsync("by-other-subject", subject: Scenario.Id("elsewhere"));
        await SubscribeAsync("by-verdict", fact, null, "single-source");
        await SubscribeAsync("by-other-verdict", fact, null, "contested");

        await factory.RecordClaimAsync(fact, source);
        // The other fact changes last: once its subject subscriber has it, the first change was handled before.
        await factory.RecordClaimAsync(other, source);

        await WaitForAsync("by-other-fact", r => r.Count == 1, "the other fact's change is delivered");
        await WaitForAsync("by-subject", r => r.Count == 2, "both changes reach the subject's subscriber");
        await WaitForAsync("by-fact", r => r.Count == 1, "the fact's change is delivered");
        await WaitForAsync("by-verdict", r => r.Count == 1, "the change to single-source is delivered");
        Assert.Equal(fact, Json(_receiver.For("by-fact").Single()).GetProperty("factId").GetString());
        Assert.Equal(other, Json(_receiver.For("by-other-fact").Single()).GetProperty("factId").GetString());
        Assert.Empty(_receiver.For("by-other-subject"));
        Assert.Empty(_receiver.For("by-other-verdict"));
    }

    [Fact]
    public async Task A_write_that_leaves_the_answer_as_it_was_announces_nothing()
    {
        var fact = Scenario.Id("sco.age");
        var (changes, listening) = await ListenAsync(fact, 2);
        using (listening)
        {
            var source = await factory.RegisterSourceAsync("Xinhua");
            await factory.DefineQuantityFactAsync(fact);
            await factory.RecordClaimAsync(fact, source);
            // Re-rating the source at the weight it has re-reconciles the fact to the same answer.
            using (await factory.Editor.PostOkAsync($"/api/sources/{source}/ratings", """{ "reliability": 0.5, "reason": "Unchanged." }""", HttpStatusCode.OK))
            {
            }
            var second = await factory.RegisterSourceAsync("TASS");
            await factory.RecordClaimAsync(fact, second, Scenario.AboutTenYears);

            // Changes are handled in commit order: a change announced by the re-rating would come second.
            var announced = await changes;
            Assert.Equal(("unverified", "single-source"), (announced[0].Before.Verdict, announced[0].After.Verdict));
            Assert.Equal(("single-source", "contested"), (announced[1].Before.Verdict, announced[1].After.Verdict));
        }
    }

    [Fact]
    public async Task A_write_that_rolls_back_publishes_nothing()
    {
        var fact = Scenario.Id("sco.age");
        var (changes, listening) = await ListenAsync(fact, 2);
        using (listening)
        {
            var source = await factory.RegisterSourceAsync("Xinhua");
            await factory.DefineQuantityFactAsync(fact);
            var claim = await factory.RecordClaimAsync(fact, source);

            // Retracting the only claim would make the fact unverified: the change is enlisted, then rolled back.
            var store = factory.Services.GetRequiredService<ScoFactsEvents>();
            await using (var connection = await factory.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync())
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                var enlistedBefore = await CountEnlistedAsync(connection, transaction);
                await store.AppendAsync(transaction, Fact.StreamId(fact), ExpectedVersion.Any,
                    [new ClaimRetracted(fact, claim, "editor:test", "Rolled back.")], new EventMetadata("editor:test"));
                Assert.Equal(enlistedBefore + 1, await CountEnlistedAsync(connection, transaction));
                await transaction.RollbackAsync();
            }

            var second = await factory.RegisterSourceAsync("TASS");
            await factory.RecordClaimAsync(fact, second, Scenario.AboutTenYears);

            var announced = await changes;
            Assert.Equal(("unverified", "single-source"), (announced[0].Before.Verdict, announced[0].After.Verdict));
            Assert.Equal(("single-source", "contested"), (announced[1].Before.Verdict, announced[1].After.Verdict));
            await Wait.UntilAsync(() => factory.Services.GetRequiredService<OutboxRelease>().Pending == 0, Patience, "no transaction is left pending");
        }
    }

    [Fact]
    public async Task An_answer_moved_by_learned_weights_is_announced()
    {
        // A reliable source outvoted on one fact by three unreliable ones, which the estimator learns elsewhere.
        var prefix = Scenario.Id("lw");
        var contested = $"{prefix}-contested";
        await SubscribeAsync("learned", contested);
        string[] bad = [$"{prefix}-bad1", $"{prefix}-bad2", $"{prefix}-bad3"];
        await RegisterAsync($"{prefix}-good");
        foreach (var b in bad) await RegisterAsync(b);
        await DefineTextFactAsync(contested);
        await TextClaimAsync(contested, $"{prefix}-good", "right");
        foreach (var b in bad) await TextClaimAsync(contested, b, "wrong");
        for (var i = 0; i < 6; i++)
        {
            var fact = $"{prefix}-history-{i}";
            await DefineTextFactAsync(fact);
            await TextClaimAsync(fact, $"{prefix}-good", "truth");
            foreach (var witness in new[] { $"{prefix}-wx{i}", $"{prefix}-wy{i}" })
            {
                await RegisterAsync(witness);
                await TextClaimAsync(fact, witness, "truth");
            }
            foreach (var b in bad) await TextClaimAsync(fact, b, $"error-{b}-{i}");
        }

        // After the unreliable majority's claims the answer is "wrong"; no event of the contested fact moves it back to
        // "right": only the weights learned from the other facts do.
        static bool FromWrongToRight(JsonElement change) =>
            (change.GetProperty("before").GetProperty("value").GetString() ?? "").Contains("wrong", StringComparison.Ordinal)
            && (change.GetProperty("after").GetProperty("value").GetString() ?? "").Contains("right", StringComparison.Ordinal);
        var moved = await WaitForAsync("learned", r => r.Any(d => FromWrongToRight(Json(d))),
            "the learned weights' change of the contested fact is delivered", TimeSpan.FromSeconds(90));
        var change = Json(moved.First(d => FromWrongToRight(Json(d))));
        Assert.Equal(change.GetProperty("before").GetProperty("version").GetInt64(), change.GetProperty("after").GetProperty("version").GetInt64());
        Assert.Equal(5, change.GetProperty("after").GetProperty("version").GetInt64());
    }

    private async Task RegisterAsync(string id)
    {
        using var response = await factory.Checker.PostOkAsync("/api/sources",
            JsonSerializer.Serialize(new { id, title = $"Report {id}", publisher = $"Press {id}", kind = "news", language = "en" }));
    }

    private async Task DefineTextFactAsync(string id)
    {
        using var response = await factory.Editor.PostOkAsync("/api/facts",
            JsonSerializer.Serialize(new { id, subject = id, property = "motto", valueType = "text", description = $"The motto of {id}" }));
    }

    private async Task TextClaimAsync(string factId, string sourceId, string text)
    {
        using var response = await factory.Checker.PostOkAsync($"/api/facts/{factId}/claims",
            JsonSerializer.Serialize(new { sourceId, value = new { kind = "text", text }, validTime = new { at = "2025" }, quote = $"It is {text}." }));
    }

    [Fact]
    public async Task Answer_changes_stream_as_server_sent_events()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var subject = Scenario.Id("subj");
        var fact = await factory.DefineQuantityFactAsync(subject: subject);
        var stream = factory.Services.GetRequiredService<FactChangeStream>();
        var listeners = stream.Listeners;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/facts/changes?subject={subject}");
        using var response = await factory.Anonymous.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await Wait.UntilAsync(() => stream.Listeners > listeners, Patience, "the stream is listening");

        await factory.RecordClaimAsync(fact, source);

        using var timeout = new CancellationTokenSource(Patience);
        string? line;
        while ((line = await reader.ReadLineAsync(timeout.Token)) is not null && !line.StartsWith("data: ", StringComparison.Ordinal))
        {
        }
        Assert.NotNull(line);
        var change = JsonDocument.Parse(line["data: ".Length..]).RootElement;
        Assert.Equal(fact, change.GetProperty("factId").GetString());
        Assert.Equal("single-source", change.GetProperty("after").GetProperty("verdict").GetString());
        Assert.Equal("unverified", change.GetProperty("before").GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Subscriptions_are_listed_read_and_deleted_without_their_secret()
    {
        var id = await SubscribeAsync("crud", subject: "sco");
        using (var list = await factory.Editor.GetAsync("/api/subscriptions"))
        {
            var text = await list.Content.ReadAsStringAsync();
            Assert.Contains(id, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        }
        using (var one = await factory.Editor.GetAsync($"/api/subscriptions/{id}"))
        {
            var body = await one.BodyAsync();
            Assert.Equal(_receiver.Url("crud"), body.GetProperty("targetUrl").GetString());
            Assert.Equal("sco", body.GetProperty("filter").GetProperty("subject").GetString());
            Assert.Equal("editor:test-editor", body.GetProperty("createdBy").GetString());
            Assert.False(body.TryGetProperty("secret", out _));
        }
        using (var deleted = await factory.Editor.DeleteAsync($"/api/subscriptions/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            Assert.Equal(id, (await deleted.BodyAsync()).GetProperty("id").GetString());
        }
        using (var gone = await factory.Editor.GetAsync($"/api/subscriptions/{id}"))
            await ProblemAsync(gone, HttpStatusCode.NotFound, "not-found");
        using (var again = await factory.Editor.DeleteAsync($"/api/subscriptions/{id}"))
            await ProblemAsync(again, HttpStatusCode.NotFound, "not-found");
    }

    [Theory]
    [InlineData("""{ "targetUrl": "/relative", "secret": "newsroom-secret-0123456789" }""", "targetUrl")]
    [InlineData("""{ "targetUrl": "ftp://newsroom.example/hook", "secret": "newsroom-secret-0123456789" }""", "targetUrl")]
    [InlineData("""{ "targetUrl": "https://newsroom.example/hook", "secret": "short" }""", "secret")]
    [InlineData("""{ "targetUrl": "https://newsroom.example/hook" }""", "secret")]
    [InlineData("""{ "secret": "newsroom-secret-0123456789" }""", "targetUrl")]
    [InlineData("""{ "targetUrl": "https://newsroom.example/hook", "secret": "newsroom-secret-0123456789", "verdicts": ["maybe"] }""", "verdicts")]
    [InlineData("""{ "targetUrl": "https://newsroom.example/hook", "secret": "newsroom-secret-0123456789", "factIds": [""] }""", "factIds")]
    public async Task Bad_subscriptions_are_refused_with_a_problem_naming_the_field(string json, string field)
    {
        var before = await CountSubscriptionsAsync();
        using var response = await factory.Editor.PostJsonAsync("/api/subscriptions", json);
        var problem = await ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "validation-failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors name {field}: {problem}");
        Assert.Equal(before, await CountSubscriptionsAsync());
    }

    [Fact]
    public async Task Malformed_and_unauthorised_requests_are_refused()
    {
        using (var malformed = await factory.Editor.PostJsonAsync("/api/subscriptions", "{ \"targetUrl\": "))
            await ProblemAsync(malformed, HttpStatusCode.BadRequest, "malformed-request");
        using (var checker = await factory.Checker.PostJsonAsync("/api/subscriptions",
                   """{ "targetUrl": "https://newsroom.example/hook", "secret": "newsroom-secret-0123456789" }"""))
            Assert.Equal(HttpStatusCode.Forbidden, checker.StatusCode);
        using (var anonymous = await factory.Anonymous.GetAsync("/api/subscriptions"))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var notADeadLetter = await factory.Editor.PostAsync($"/api/subscriptions/deliveries/dead/{Guid.NewGuid()}/replay", null))
            await ProblemAsync(notADeadLetter, HttpStatusCode.NotFound, "not-found");
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.BodyAsync();
        Assert.Equal($"/problems/{code}", problem.GetProperty("type").GetString());
        return problem;
    }

    private async Task<long> CountDeadLettersAsync()
    {
        await using var command = factory.DataSource.CreateCommand("select count(*) from wolverine.wolverine_dead_letters");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> CountSubscriptionsAsync()
    {
        await using var command = factory.DataSource.CreateCommand("select count(*) from webhook_subscriptions");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<string> ClaimIdAsync(string factId)
    {
        await using var command = factory.DataSource.CreateCommand("select claim_id from claim_index where fact_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = factId });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> CountEnlistedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        await using var command = new NpgsqlCommand(
            "select count(*) from wolverine.wolverine_incoming_envelopes where message_type like '%FactAnswerChanged%'", connection, transaction);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    // The first `count` changes of a fact on this node's change stream, from the moment the listener is subscribed.
    private async Task<(Task<List<FactAnswerChanged>> Changes, CancellationTokenSource Listening)> ListenAsync(string factId, int count)
    {
        var stream = factory.Services.GetRequiredService<FactChangeStream>();
        var listening = new CancellationTokenSource(Patience);
        var listeners = stream.Listeners;
        var changes = CollectAsync(stream, factId, count, listening.Token);
        await Wait.UntilAsync(() => stream.Listeners > listeners, Patience, "the listener is subscribed");
        return (changes, listening);
    }

    private static async Task<List<FactAnswerChanged>> CollectAsync(FactChangeStream stream, string factId, int count, CancellationToken cancellationToken)
    {
        var found = new List<FactAnswerChanged>();
        await foreach (var change in stream.ListenAsync(cancellationToken))
        {
            if (change.FactId != factId) continue;
            found.Add(change);
            if (found.Count == count) break;
        }
        return found;
    }
}
