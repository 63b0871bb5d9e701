using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Values;
using static SCOFacts.Domain.Tests.Build;

namespace SCOFacts.Domain.Tests;

public class FactDeciderTests
{
    private const string FactId = "sco.population-share-of-world";
    private static readonly KnownSources Sources = new(["xinhua", "tass", "un"]);

    private static FactState Defined() => Fold(QuantityFact());

    private static FactState WithClaim(params object[] more) =>
        Fold(new object[] { QuantityFact(), Claim(FactId, "c-1", "xinhua", Q("44", "percent"), At("2025")) }.Concat(more).ToArray());

    private static RecordClaim Record(ClaimValue value, string claimId = "c-2", string source = "tass", string quote = "some 44 percent") =>
        new(FactId, claimId, source, value, At("2025"), quote, new Locator(3, 10), null, "checker");

    private static Rejection Rejected(IFactCommand command, FactState state)
    {
        var decision = Fact.Decide(command, state, Sources);
        Assert.False(decision.IsAccepted);
        Assert.Empty(decision.Events);
        return decision.Rejection!;
    }

    private static T Accepted<T>(IFactCommand command, FactState state)
    {
        var decision = Fact.Decide(command, state, Sources);
        Assert.True(decision.IsAccepted, decision.Rejection?.Message);
        return Assert.IsType<T>(Assert.Single(decision.Events));
    }

    private static DefineFact Define(string valueType = "quantity", string? unit = "percent", IReadOnlyList<string>? statuses = null, string id = FactId) =>
        new(id, "sco", "population-share-of-world", new Dictionary<string, string>(), valueType, unit, statuses, "Share.", "seed-import");

    // Defining

    [Fact]
    public void Defining_a_fact_records_its_definition()
    {
        var e = Accepted<FactDefined>(Define(), Fact.Initial);

        Assert.Equal(FactValueType.Quantity, e.ValueType);
        var state = Fact.Evolve(Fact.Initial, e);
        Assert.Equal("percent", state.Definition!.Unit);
    }

    [Fact]
    public void Defining_a_fact_twice_is_a_conflict()
    {
        var r = Rejected(Define(), Defined());
        Assert.Equal(("fact-exists", RejectionKind.Conflict), (r.Code, r.Kind));
    }

    [Theory]
    [InlineData("SCO.Share", "quantity", "percent", "bad-fact-id")]
    [InlineData("sco/share", "quantity", "percent", "bad-fact-id")]
    [InlineData("sco.share", "number", "percent", "unknown-value-type")]
    [InlineData("sco.share", "Quantity", "percent", "unknown-value-type")]
    [InlineData("sco.share", "quantity", null, "unknown-unit")]
    [InlineData("sco.share", "quantity", "furlongs", "unknown-unit")]
    [InlineData("sco.share", "text", "percent", "unexpected-unit")]
    [InlineData("sco.share", "status", null, "bad-allowed-statuses")]
    public void Bad_definitions_are_validation_errors(string id, string type, string? unit, string code)
    {
        var r = Rejected(Define(type, unit, id: id), Fact.Initial);
        Assert.Equal((code, RejectionKind.Validation), (r.Code, r.Kind));
    }

    [Fact]
    public void Status_facts_need_distinct_statuses_and_other_facts_none()
    {
        Assert.Equal("bad-allowed-statuses", Rejected(Define("status", null, ["member", "member"]), Fact.Initial).Code);
        Assert.Equal("unexpected-allowed-statuses", Rejected(Define("quantity", "percent", ["member"]), Fact.Initial).Code);
        Assert.True(Fact.Decide(Define("status", null, ["observer", "member"]), Fact.Initial, Sources).IsAccepted);
    }

    // Recording

    [Fact]
    public void Recording_a_claim_adds_it_as_active()
    {
        var e = Accepted<ClaimRecorded>(Record(Q("44", "percent")), Defined());

        var claim = Fact.Evolve(Defined(), e).Claims["c-2"];
        Assert.True(claim.IsActive);
        Assert.Equal("tass", claim.SourceId);
        Assert.Equal(new Locator(3, 10), claim.Locator);
    }

    [Fact]
    public void Recording_on_an_undefined_fact_is_not_found()
    {
        var r = Rejected(Record(Q("44", "percent")), Fact.Initial);
        Assert.Equal(("unknown-fact", RejectionKind.NotFound), (r.Code, r.Kind));
    }

    [Fact]
    public void A_claim_id_can_be_used_once()
    {
        var r = Rejected(Record(Q("44", "percent"), claimId: "c-1"), WithClaim());
        Assert.Equal(("claim-exists", RejectionKind.Conflict), (r.Code, r.Kind));
    }

    [Fact]
    public void A_value_of_another_type_is_rejected() =>
        Assert.Equal("value-type-mismatch", Rejected(Record(new StatusValue("member")), Defined()).Code);

    [Fact]
    public void A_unit_of_another_dimension_is_rejected() =>
        Assert.Equal("unit-dimension-mismatch", Rejected(Record(Q("40", "countries")), Defined()).Code);

    [Fact]
    public void A_unit_of_the_same_dimension_is_accepted() =>
        Assert.True(Fact.Decide(Record(Q("half", "fraction", QuantityApprox.Nearly)), Defined(), Sources).IsAccepted);

    [Fact]
    public void A_status_outside_the_allowed_set_is_rejected()
    {
        var state = Fold(StatusFact("sco.membership-status.india"));
        var command = new RecordClaim("sco.membership-status.india", "c-1", "un", new StatusValue("ally"), At("2017"), "q", null, null, "checker");

        var r = Rejected(command, state);
        Assert.Equal(("status-not-allowed", RejectionKind.Validation), (r.Code, r.Kind));
    }

    [Fact]
    public void An_unknown_source_is_rejected()
    {
        var r = Rejected(Record(Q("44", "percent"), source: "reuters"), Defined());
        Assert.Equal(("unknown-source", RejectionKind.Validation), (r.Code, r.Kind));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void An_empty_quote_is_rejected(string quote) =>
        Assert.Equal("empty-quote", Rejected(Record(Q("44", "percent"), quote: quote), Defined()).Code);

    [Fact]
    public void A_backwards_valid_time_is_rejected()
    {
        var command = Record(Q("44", "percent")) with { ValidTime = Between("2025", "2017") };
        Assert.Equal("bad-valid-time", Rejected(command, Defined()).Code);
    }

    [Fact]
    public void A_bad_locator_is_rejected()
    {
        var command = Record(Q("44", "percent")) with { Locator = new Locator(0, 5) };
        Assert.Equal("bad-locator", Rejected(command, Defined()).Code);
    }

    // Disputes

    private static DisputeClaim Dispute(string disputeId = "d-1", string claimId = "c-1", CounterEvidence? evidence = null) =>
        new(FactId, claimId, disputeId, "UN data says 41 percent", evidence, "checker");

    private static ClaimDisputed Disputed(string disputeId = "d-1") => new(FactId, "c-1", disputeId, "reason", null, "checker");

    [Fact]
    public void Disputing_opens_a_dispute_that_leaves_the_claim_active()
    {
        var e = Accepted<ClaimDisputed>(Dispute(evidence: new CounterEvidence("un", "41 percent")), WithClaim());

        var claim = Fact.Evolve(WithClaim(), e).Claims["c-1"];
        Assert.Equal("d-1", claim.OpenDispute!.DisputeId);
        Assert.True(claim.IsActive);
    }

    [Fact]
    public void Disputing_an_unknown_claim_is_not_found()
    {
        var r = Rejected(Dispute(claimId: "c-9"), WithClaim());
        Assert.Equal(("unknown-claim", RejectionKind.NotFound), (r.Code, r.Kind));
    }

    [Fact]
    public void Disputing_a_retracted_claim_is_a_conflict()
    {
        var r = Rejected(Dispute(), WithClaim(new ClaimRetracted(FactId, "c-1", "editor", "misquoted")));
        Assert.Equal(("claim-retracted", RejectionKind.Conflict), (r.Code, r.Kind));
    }

    [Fact]
    public void Disputing_a_claim_with_an_open_dispute_is_a_conflict()
    {
        var r = Rejected(Dispute("d-2"), WithClaim(Disputed()));
        Assert.Equal(("dispute-open", RejectionKind.Conflict), (r.Code, r.Kind));
    }

    [Fact]
    public void A_rejected_dispute_allows_a_new_one_but_not_its_id_again()
    {
        var state = WithClaim(Disputed(), new DisputeRejected(FactId, "c-1", "d-1", "editor", null));

        Assert.Equal("dispute-exists", Rejected(Dispute("d-1"), state).Code);
        Assert.Equal("d-2", Accepted<ClaimDisputed>(Dispute("d-2"), state).DisputeId);
    }

    [Fact]
    public void Counter_evidence_must_name_a_known_source_and_quote_it()
    {
        Assert.Equal("unknown-source", Rejected(Dispute(evidence: new CounterEvidence("reuters", "q")), WithClaim()).Code);
        Assert.Equal("empty-quote", Rejected(Dispute(evidence: new CounterEvidence("un", "")), WithClaim()).Code);
        Assert.Equal("missing-reason", Rejected(Dispute() with { Reason = " " }, WithClaim()).Code);
    }

    [Fact]
    public void Upholding_a_dispute_deactivates_the_claim()
    {
        var e = Accepted<DisputeUpheld>(new UpholdDispute(FactId, "c-1", "d-1", "editor", "checked"), WithClaim(Disputed()));

        var claim = Fact.Evolve(WithClaim(Disputed()), e).Claims["c-1"];
        Assert.False(claim.IsActive);
        Assert.Equal(DisputeStatus.Upheld, claim.Disputes[0].Status);
        Assert.Equal("editor", claim.Disputes[0].ResolvedBy);
    }

    [Fact]
    public void Rejecting_a_dispute_keeps_the_claim_active()
    {
        var e = Accepted<DisputeRejected>(new RejectDispute(FactId, "c-1", "d-1", "editor", "source is right"), WithClaim(Disputed()));

        var claim = Fact.Evolve(WithClaim(Disputed()), e).Claims["c-1"];
        Assert.True(claim.IsActive);
        Assert.Null(claim.OpenDispute);
    }

    [Fact]
    public void Resolving_an_unknown_dispute_is_not_found()
    {
        var r = Rejected(new UpholdDispute(FactId, "c-1", "d-9", "editor", null), WithClaim(Disputed()));
        Assert.Equal(("unknown-dispute", RejectionKind.NotFound), (r.Code, r.Kind));
    }

    [Fact]
    public void Resolving_a_resolved_dispute_is_a_conflict()
    {
        var state = WithClaim(Disputed(), new DisputeUpheld(FactId, "c-1", "d-1", "editor", null));

        var r = Rejected(new RejectDispute(FactId, "c-1", "d-1", "editor", null), state);
        Assert.Equal(("dispute-resolved", RejectionKind.Conflict), (r.Code, r.Kind));
        Assert.Equal("dispute-resolved", Rejected(new UpholdDispute(FactId, "c-1", "d-1", "editor", null), state).Code);
    }

    [Fact]
    public void A_claim_whose_dispute_was_upheld_cannot_be_disputed_or_endorsed()
    {
        var state = WithClaim(Disputed(), new DisputeUpheld(FactId, "c-1", "d-1", "editor", null));

        Assert.Equal("claim-inactive", Rejected(Dispute("d-2"), state).Code);
        Assert.Equal("claim-inactive", Rejected(new EndorseClaim(FactId, "c-1", "checker", null), state).Code);
    }

    // Endorsing, retracting, correcting

    [Fact]
    public void Endorsing_records_the_checker_once()
    {
        var e = Accepted<ClaimEndorsed>(new EndorseClaim(FactId, "c-1", "checker", "matches UN data"), WithClaim());
        var state = Fact.Evolve(WithClaim(), e);

        Assert.Single(state.Claims["c-1"].Endorsements);
        Assert.Equal("already-endorsed", Rejected(new EndorseClaim(FactId, "c-1", "checker", null), state).Code);
    }

    [Fact]
    public void Endorsing_a_retracted_claim_is_a_conflict()
    {
        var r = Rejected(new EndorseClaim(FactId, "c-1", "checker", null), WithClaim(new ClaimRetracted(FactId, "c-1", "editor", "x")));
        Assert.Equal(("claim-retracted", RejectionKind.Conflict), (r.Code, r.Kind));
    }

    [Fact]
    public void Retracting_deactivates_the_claim_and_needs_a_reason()
    {
        var e = Accepted<ClaimRetracted>(new RetractClaim(FactId, "c-1", "editor", "misquoted"), WithClaim());
        var state = Fact.Evolve(WithClaim(), e);

        Assert.False(state.Claims["c-1"].IsActive);
        Assert.Equal("claim-retracted", Rejected(new RetractClaim(FactId, "c-1", "editor", "again"), state).Code);
        Assert.Equal("missing-reason", Rejected(new RetractClaim(FactId, "c-1", "editor", ""), WithClaim()).Code);
        Assert.Equal("unknown-claim", Rejected(new RetractClaim(FactId, "c-9", "editor", "x"), WithClaim()).Code);
    }

    [Fact]
    public void Correcting_replaces_the_value_and_keeps_the_old_one_in_the_event()
    {
        var e = Accepted<ClaimCorrected>(new CorrectClaim(FactId, "c-1", Q("41", "percent"), "editor", "typo"), WithClaim());

        Assert.Equal(Q("44", "percent"), e.OldValue);
        var claim = Fact.Evolve(WithClaim(), e).Claims["c-1"];
        Assert.Equal(Q("41", "percent"), claim.Value);
        Assert.Equal(1, claim.CorrectionCount);
    }

    [Fact]
    public void Correcting_to_a_value_of_the_wrong_type_or_dimension_is_rejected()
    {
        Assert.Equal("value-type-mismatch", Rejected(new CorrectClaim(FactId, "c-1", new TextValue("44%"), "editor", "x"), WithClaim()).Code);
        Assert.Equal("unit-dimension-mismatch", Rejected(new CorrectClaim(FactId, "c-1", Q("44", "votes"), "editor", "x"), WithClaim()).Code);
        Assert.Equal("no-change", Rejected(new CorrectClaim(FactId, "c-1", Q("44", "percent"), "editor", "x"), WithClaim()).Code);
    }

    [Fact]
    public void Correcting_a_retracted_claim_is_a_conflict() =>
        Assert.Equal("claim-retracted", Rejected(new CorrectClaim(FactId, "c-1", Q("41", "percent"), "editor", "x"),
            WithClaim(new ClaimRetracted(FactId, "c-1", "editor", "x"))).Code);

    [Fact]
    public void Evolve_ignores_events_it_does_not_know()
    {
        var state = Defined();

        Assert.Same(state, Fact.Evolve(state, "not an event"));
    }
}
