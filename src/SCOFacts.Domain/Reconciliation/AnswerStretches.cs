using SCOFacts.Domain.Facts;

namespace SCOFacts.Domain.Reconciliation;

/// <summary>
/// A fact's answers across valid time (<see cref="Reconciler.Stretches(FactState, ISourceReliabilities)"/>), each with
/// what it was reconciled from, so that working them out again after a change can keep every answer whose inputs did
/// not move. Immutable: a holder may keep one to pass as the earlier stretches of the next call, from any thread.
/// </summary>
public sealed class AnswerStretches
{
    private readonly Dictionary<DateOnly, int> byDay;
    private readonly List<AnswerInputs> inputs;

    internal AnswerStretches(List<AnswerStretch> all, List<AnswerInputs> inputs)
    {
        All = all;
        this.inputs = inputs;
        byDay = new Dictionary<DateOnly, int>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++) byDay[inputs[i].Day] = i;
    }

    /// <summary>No stretches: a fact not defined.</summary>
    public static AnswerStretches None { get; } = new([], []);

    /// <summary>The stretches, in order of valid time.</summary>
    public IReadOnlyList<AnswerStretch> All { get; }

    /// <summary>How many claims the stretches were reconciled from, counted once per stretch: what holding them costs.</summary>
    public int Size => inputs.Sum(i => i.Claims.Count);

    /// <summary>The stretch reconciled on the same day from exactly <paramref name="asked"/>, if there was one.</summary>
    internal AnswerStretch? Find(AnswerInputs asked) =>
        byDay.TryGetValue(asked.Day, out var i) && inputs[i].SameAs(asked) ? All[i] : null;
}

/// <summary>
/// Everything one stretch's answer is reconciled from: the day it is asked on, the fact's definition, whether it is
/// timeless and its first day, the claims that can speak for the day or be set aside on it, and how their sources stood.
/// </summary>
internal sealed record AnswerInputs(DateOnly Day, FactDefinition Definition, bool Timeless, DateOnly Origin, List<ClaimState> Claims,
    SourceReliability[] Sources)
{
    /// <summary>
    /// The same inputs: a claim state is immutable, so the same state object is the same claim as it was; a claim folded
    /// again from text is a different object and only costs its stretches a fresh reconciliation.
    /// </summary>
    public bool SameAs(AnswerInputs other)
    {
        if (Day != other.Day || Timeless != other.Timeless || Origin != other.Origin || Claims.Count != other.Claims.Count
            || !Definition.Equals(other.Definition))
            return false;
        for (var i = 0; i < Claims.Count; i++)
        {
            if (!ReferenceEquals(Claims[i], other.Claims[i]) || !Sources[i].Equals(other.Sources[i])) return false;
        }

        return true;
    }
}
