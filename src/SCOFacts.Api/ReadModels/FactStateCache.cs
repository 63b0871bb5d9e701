using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;

namespace SCOFacts.Api.ReadModels;

/// <summary>
/// The fact states this process stored last, each under the random key stored beside it in fact_answers, so a write
/// on a fact this process wrote before starts from the parsed state instead of reading and parsing every claim again.
/// </summary>
/// <remarks>
/// A key is new with every stored state and never reused, so an entry can only ever match the row written with it:
/// a state cached by a transaction that rolled back, written by another node, or replaced by a rebuild simply does not
/// match, and the row is read instead. States are immutable, so an entry is shared without copying.
/// Beside each state it keeps the fact's answer stretches as last worked out here, which check for themselves which of
/// their answers still hold (<see cref="AnswerStretches"/>), whatever state or database they are next asked about.
/// </remarks>
internal static class FactStateCache
{
    /// <summary>A stored state and the key its row carries.</summary>
    internal sealed record Entry(Guid Key, FactState State);

    // A bound on what the cache holds, in claims (a stretch counts the claims it was reconciled from).
    private const int MaxClaims = 200_000;

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, AnswerStretches> Stretches = new(StringComparer.Ordinal);
    private static long _claims;

    /// <summary>The state this process last stored for the fact, if it still holds it.</summary>
    public static Entry? Get(string factId)
    {
        lock (Gate) return Entries.GetValueOrDefault(factId);
    }

    /// <summary>Remembers the state stored (or read) for the fact under <paramref name="key"/>.</summary>
    public static void Put(string factId, Guid key, FactState state)
    {
        lock (Gate)
        {
            if (Entries.Remove(factId, out var old)) _claims -= old.State.Claims.Count;
            MakeRoom(state.Claims.Count);
            Entries[factId] = new Entry(key, state);
            _claims += state.Claims.Count;
        }
    }

    /// <summary>The fact's answer stretches as this process last worked them out, if it still holds them.</summary>
    public static AnswerStretches? GetStretches(string factId)
    {
        lock (Gate) return Stretches.GetValueOrDefault(factId);
    }

    /// <summary>Remembers the fact's answer stretches as just worked out.</summary>
    public static void PutStretches(string factId, AnswerStretches stretches)
    {
        var size = stretches.Size;
        lock (Gate)
        {
            if (Stretches.Remove(factId, out var old)) _claims -= old.Size;
            MakeRoom(size);
            Stretches[factId] = stretches;
            _claims += size;
        }
    }

    // Past the bound the cache starts again empty: simple, and a fact written again is soon back.
    private static void MakeRoom(long claims)
    {
        if (_claims + claims <= MaxClaims) return;
        Entries.Clear();
        Stretches.Clear();
        _claims = 0;
    }
}
