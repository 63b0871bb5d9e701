using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;
using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Tests;

public class AggregateShapeTests
{
    // The loop an event-store-backed runner performs, against an in-memory list of stored JSON events.
    private static Decision Run<TAggregate, TState, TCommand, TContext>(List<(string Name, string Json)> stream, TCommand command, TContext context)
        where TAggregate : IAggregate<TState, TCommand, TContext>
    {
        var state = stream.Select(e => DomainEvents.Deserialize(e.Name, e.Json)).Aggregate(TAggregate.Initial, TAggregate.Evolve);
        var decision = TAggregate.Decide(command, state, context);
        stream.AddRange(decision.Events.Select(e => (DomainEvents.NameOf(e), DomainEvents.Serialize(e))));
        return decision;
    }

    [Fact]
    public void A_generic_runner_drives_both_aggregates_through_stored_json()
    {
        var sourceStream = new List<(string, string)>();
        var register = new RegisterSource("un-2024", "Report", "UN", null, null, null, "official", "en", null, null, null, "seed-import");
        Assert.True(Run<Source, SourceState, ISourceCommand, NoContext>(sourceStream, register, default).IsAccepted);
        Assert.Equal("source-exists", Run<Source, SourceState, ISourceCommand, NoContext>(sourceStream, register, default).Rejection!.Code);

        var factStream = new List<(string, string)>();
        var known = new KnownSources(["un-2024"]);
        var define = new DefineFact("sco.age-years", "sco", "age-years", null, "quantity", "year", null, "Age.", "seed-import");
        var record = new RecordClaim("sco.age-years", "c-1", "un-2024", new QuantityValue("2", "decade", QuantityApprox.MoreThan),
            ValidTime.Instant(PartialDate.Parse("2025-11-21")), "more than two decades", null, null, "seed-import");

        Assert.True(Run<Fact, FactState, IFactCommand, IFactContext>(factStream, define, known).IsAccepted);
        Assert.True(Run<Fact, FactState, IFactCommand, IFactContext>(factStream, record, known).IsAccepted);
        Assert.Equal("claim-exists", Run<Fact, FactState, IFactCommand, IFactContext>(factStream, record, known).Rejection!.Code);
        Assert.Equal(["FactDefined", "ClaimRecorded"], factStream.Select(e => e.Item1));
        Assert.Equal("fact-sco.age-years", Fact.StreamId("sco.age-years"));
        Assert.Equal("source-un-2024", Source.StreamId("un-2024"));
    }
}
