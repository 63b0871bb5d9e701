using SCOFacts.Domain.Facts;

namespace SCOFacts.Api.ReadModels;

/// <summary>
/// The fact states this process stored last, each under the random key stored beside it in fact_answers, so a write
/// on a fact this process wrote before starts from the parsed state instead of reading and parsing every claim again.
/// </summary>
/// <remarks>
/// A key is new with every stored state and never reused, so an entry can only ever match the row written with it:
/// a state cached by a transaction that rolled back, written by another node, or replaced by a rebuild simply does not
/// match, and the row is read instead. States are immutable, so an entry is shared without copying.
/// </remarks>
internal static class FactStateCache
{
    /// <summary>A stored state and the key its row carries.</summary>
    internal sealed record Entry(Guid Key, FactState State);

    // A bound on what the cache holds, in claims: past it the cache starts again empty.
    private const int MaxClaims = 200_000;

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.Ordinal);
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
            if (_claims + state.Claims.Count > MaxClaims)
            {
                Entries.Clear();
                _claims = 0;
            }
            Entries[factId] = new Entry(key, state);
            _claims += state.Claims.Count;
        }
    }
}
