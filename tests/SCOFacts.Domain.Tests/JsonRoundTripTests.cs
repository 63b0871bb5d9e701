using System.Text.Json;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Sources;
using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Tests;

public class JsonRoundTripTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Theory]
    [InlineData("""{ "kind": "quantity", "amount": "2", "unit": "decade", "approx": "more-than" }""")]
    [InlineData("""{ "kind": "quantity", "amount": "44", "unit": "percent", "approx": "exact" }""")]
    [InlineData("""{ "kind": "quantity", "amount": "3.4", "unit": "people", "approx": "about", "scale": "billion" }""")]
    [InlineData("""{ "kind": "quantity", "amount": "40", "unit": "percent", "approx": "range", "amountTo": "45" }""")]
    [InlineData("""{ "kind": "date", "date": "2001-06-15", "approx": "about" }""")]
    [InlineData("""{ "kind": "status", "status": "member" }""")]
    [InlineData("""{ "kind": "entity", "entity": "tianjin", "label": "Tianjin" }""")]
    [InlineData("""{ "kind": "entity", "entity": "tianjin" }""")]
    [InlineData("""{ "kind": "boolean", "value": true }""")]
    [InlineData("""{ "kind": "text", "text": "Tianjin Declaration" }""")]
    public void Seed_values_read_and_write_back_the_same_json(string json)
    {
        var value = JsonSerializer.Deserialize<ClaimValue>(json, Web)!;
        var written = JsonSerializer.Serialize(value, Web);

        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(json).RootElement, JsonDocument.Parse(written).RootElement),
            $"wrote {written}");
    }

    [Fact]
    public void Seed_values_read_into_the_right_types()
    {
        var q = Assert.IsType<QuantityValue>(JsonSerializer.Deserialize<ClaimValue>(
            """{ "kind": "quantity", "amount": "2", "unit": "decade", "approx": "more-than" }""", Web));
        Assert.Equal(new QuantityValue("2", "decade", QuantityApprox.MoreThan), q);

        var d = Assert.IsType<DateValue>(JsonSerializer.Deserialize<ClaimValue>("""{ "kind": "date", "date": "2001-06-15" }""", Web));
        Assert.Equal(DateApprox.Exact, d.Approx);
        Assert.Equal(DatePrecision.Day, d.Date.Precision);
    }

    [Theory]
    [InlineData("""{ "at": "2017" }""")]
    [InlineData("""{ "at": "2025-11-21" }""")]
    [InlineData("""{ "from": "2017-06", "to": "2025" }""")]
    [InlineData("""{ "from": "2017-06" }""")]
    [InlineData("""{ "to": "2005" }""")]
    public void Valid_times_read_and_write_back_the_same_json(string json)
    {
        var value = JsonSerializer.Deserialize<ValidTime>(json, Web)!;
        var written = JsonSerializer.Serialize(value, Web);

        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(json).RootElement, JsonDocument.Parse(written).RootElement),
            $"wrote {written}");
    }

    [Fact]
    public void A_bad_partial_date_is_a_json_error()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ValidTime>("""{ "at": "June 2017" }""", Web));
    }

    [Fact]
    public void The_seed_claim_example_reads_into_a_record_claim_shape()
    {
        const string json = """
            {
              "fact": "sco.age-years",
              "source": "xinhua-2025-11-21",
              "value": { "kind": "quantity", "amount": "2", "unit": "decade", "approx": "more-than" },
              "validTime": { "at": "2025-11-21" },
              "quote": "more than two decades since its establishment",
              "locator": { "paragraph": 5, "offset": 812 }
            }
            """;
        var claim = JsonSerializer.Deserialize<SeedClaim>(json, Web)!;

        Assert.Equal(new Locator(5, 812), claim.Locator);
        Assert.Equal(PartialDate.Parse("2025-11-21"), claim.ValidTime.At);
        Assert.IsType<QuantityValue>(claim.Value);
    }

    private sealed record SeedClaim(string Fact, string Source, ClaimValue Value, ValidTime ValidTime, string Quote, Locator? Locator);

    public static TheoryData<object> AllEvents => new()
    {
        new SourceRegistered("xinhua-2025-11-21", "SCO plays key role", "Xinhua", null, null, PartialDate.Parse("2025-11-21"),
            SourceKind.News, "en", "002.txt", "abc", "dateline Moscow", "seed-import"),
        new SourceRegistered("un-2024", "Resolution", "UN", "Someone", "https://un.org", null, SourceKind.Official, "en", null, null, null, "x"),
        new SourceRated("xinhua-2025-11-21", 0.8, "state agency, accurate on figures", "editor-1"),
        new FactDefined("sco.population-share-of-world", "sco", "population-share-of-world", new Dictionary<string, string> { ["a"] = "b" },
            FactValueType.Quantity, "percent", null, "Share", "seed-import"),
        new FactDefined("sco.membership-status.india", "sco", "membership-status", new Dictionary<string, string> { ["state"] = "india" },
            FactValueType.Status, null, ["observer", "member"], "Status", "seed-import"),
        new ClaimRecorded("f", "c-1", "s", new QuantityValue("2", "decade", QuantityApprox.MoreThan), ValidTime.Instant(PartialDate.Parse("2025-11-21")),
            "more than two decades", new Locator(5, 812), "note", "checker"),
        new ClaimRecorded("f", "c-2", "s", new DateValue(PartialDate.Parse("2001-06"), DateApprox.About),
            ValidTime.Between(PartialDate.Parse("2017-06"), null), "q", null, null, "checker"),
        new ClaimRecorded("f", "c-3", "s", new StatusValue("member"), ValidTime.Always, "q", new Locator(), null, "checker"),
        new ClaimRecorded("f", "c-4", "s", new EntityValue("tianjin", "Tianjin"), ValidTime.Always, "q", null, null, "checker"),
        new ClaimRecorded("f", "c-5", "s", new BooleanValue(false), ValidTime.Always, "q", null, null, "checker"),
        new ClaimRecorded("f", "c-6", "s", new TextValue("Tianjin Declaration"), ValidTime.Always, "q", null, null, "checker"),
        new ClaimDisputed("f", "c-1", "d-1", "wrong year", new CounterEvidence("s2", "it was 2001"), "checker"),
        new ClaimDisputed("f", "c-1", "d-2", "wrong year", null, "checker"),
        new DisputeUpheld("f", "c-1", "d-1", "editor", "agreed"),
        new DisputeRejected("f", "c-1", "d-2", "editor", null),
        new ClaimEndorsed("f", "c-1", "checker", "matches UN data"),
        new ClaimRetracted("f", "c-1", "editor", "misquoted"),
        new ClaimCorrected("f", "c-1", new QuantityValue("44", "percent"), new QuantityValue("half", "fraction", QuantityApprox.Nearly), "editor", "typo"),
        new SourceDocumentAttached("s", "Line one.\n\n\u201CQuoted\u201D \u2014 line two.", "0123abcd", "checker"),
    };

    [Theory]
    [MemberData(nameof(AllEvents))]
    public void Every_event_round_trips_through_web_json(object @event)
    {
        var name = DomainEvents.NameOf(@event);
        var json = DomainEvents.Serialize(@event);
        var back = DomainEvents.Deserialize(name, json);

        Assert.Equal(@event.GetType(), back.GetType());
        // Records with collections compare collections by reference, so compare the JSON they write.
        Assert.Equal(json, DomainEvents.Serialize(back));
        Assert.DoesNotContain("\"Kind\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_registered_event_type_is_covered_by_the_round_trip_data()
    {
        var covered = ((IEnumerable<object[]>)AllEvents).Select(row => row[0].GetType()).ToHashSet();

        Assert.All(DomainEvents.All, t => Assert.Contains(t, covered));
        Assert.Equal(DomainEvents.All.Count, DomainEvents.Types.Count);
        Assert.Equal(typeof(ClaimRecorded), DomainEvents.Types["ClaimRecorded"]);
        Assert.Equal("DisputeUpheld", DomainEvents.NameOf(typeof(DisputeUpheld)));
    }

    [Fact]
    public void Every_event_record_in_the_assembly_is_registered()
    {
        var eventTypes = typeof(DomainEvents).Assembly.GetTypes()
            .Where(t => t.Namespace is "SCOFacts.Domain.Facts" or "SCOFacts.Domain.Sources")
            .Where(t => t.Name.EndsWith("ed", StringComparison.Ordinal) && !t.IsEnum && !t.IsInterface);

        Assert.All(eventTypes, t => Assert.Contains(t, DomainEvents.All));
    }

    [Fact]
    public void Enums_are_written_with_their_contract_names()
    {
        var json = DomainEvents.Serialize(new ClaimRecorded("f", "c", "s", new QuantityValue("2", "decade", QuantityApprox.MoreThan),
            ValidTime.Always, "q", null, null, "p"));

        Assert.Contains("\"approx\":\"more-than\"", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"quantity\"", json, StringComparison.Ordinal);
        Assert.Contains("\"validTime\":{}", json, StringComparison.Ordinal);
        Assert.Contains("\"single-source\"", JsonSerializer.Serialize(Verdict.SingleSource, Web), StringComparison.Ordinal);
        Assert.Contains("\"official\"", JsonSerializer.Serialize(SourceKind.Official, Web), StringComparison.Ordinal);
        // Dispute statuses reach the wire through claim responses; a number there means nothing to a client.
        Assert.Equal("\"rejected\"", JsonSerializer.Serialize(DisputeStatus.Rejected, Web));
        Assert.Equal("\"upheld\"", JsonSerializer.Serialize(DisputeStatus.Upheld, DomainEvents.JsonOptions));
        Assert.Equal("\"open\"", JsonSerializer.Serialize(DisputeStatus.Open, DomainEvents.JsonOptions));
    }
}

public class ReconciliationJsonTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void Unbounded_intervals_serialise_with_null_ends()
    {
        var json = JsonSerializer.Serialize(Interval.MoreThan(20), Web);

        Assert.Equal("""{"lower":20,"upper":null,"lowerClosed":false,"upperClosed":false}""", json);
        Assert.Equal(Interval.MoreThan(20), JsonSerializer.Deserialize<Interval>(json, Web));
    }

    [Fact]
    public void A_reconciliation_with_an_open_ended_value_serialises()
    {
        const string id = "sco.age-years";
        var fact = new FactDefined(id, "sco", "age-years", new Dictionary<string, string>(), FactValueType.Quantity, "year", null, "Age.", "p");
        var state = Fact.Fold([fact, new ClaimRecorded(id, "c-1", "xinhua", new QuantityValue("two", "decade", QuantityApprox.MoreThan),
            ValidTime.Instant(PartialDate.Parse("2025-11-21")), "more than two decades", null, null, "p")]);

        var result = Reconciler.Reconcile(state, SourceReliabilities.Empty, null);
        var json = JsonSerializer.Serialize(result, Web);

        Assert.Equal("more than two decades", result.Value!.Display);
        Assert.Contains("\"verdict\":\"single-source\"", json, StringComparison.Ordinal);
        Assert.Contains("\"origin\":\"default\"", json, StringComparison.Ordinal);
        Assert.Contains("\"upper\":null", json, StringComparison.Ordinal);
    }
}
