namespace SCOFacts.Domain;

/// <summary>
/// The shape a generic command runner needs: load the stream, fold it from <see cref="Initial"/> with
/// <see cref="Evolve"/>, <see cref="Decide"/>, append the events with the expected version.
/// </summary>
/// <typeparam name="TState">The folded state.</typeparam>
/// <typeparam name="TCommand">The aggregate's command type.</typeparam>
/// <typeparam name="TContext">What the decider may know beyond the stream (no I/O inside).</typeparam>
public interface IAggregate<TState, in TCommand, in TContext>
{
    static abstract TState Initial { get; }

    static abstract TState Evolve(TState state, object @event);

    static abstract Decision Decide(TCommand command, TState state, TContext context);

    /// <summary>The event stream holding one instance's story, e.g. "fact-sco.age-years".</summary>
    static abstract string StreamId(string id);
}

/// <summary>The context of a decider that needs nothing beyond its own stream.</summary>
public readonly record struct NoContext;
