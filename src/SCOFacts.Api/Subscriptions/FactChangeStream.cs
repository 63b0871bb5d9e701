using System.Collections.Concurrent;
using System.Threading.Channels;

namespace SCOFacts.Api.Subscriptions;

/// <summary>
/// The answer changes this node's <see cref="FactAnswerChangedHandler"/> handles, handed to every open SSE listener.
/// A listener that falls behind by more than <see cref="Capacity"/> changes loses the oldest: the stream tells what
/// moved, and the API holds the answers.
/// </summary>
public sealed class FactChangeStream
{
    /// <summary>Changes buffered per listener.</summary>
    public const int Capacity = 256;

    private readonly ConcurrentDictionary<Guid, Channel<FactAnswerChanged>> _listeners = new();

    /// <summary>How many listeners are open.</summary>
    public int Listeners => _listeners.Count;

    /// <summary>Hands a change to every listener.</summary>
    public void Publish(FactAnswerChanged change)
    {
        foreach (var listener in _listeners.Values)
            listener.Writer.TryWrite(change);
    }

    /// <summary>The changes published from now until <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<FactAnswerChanged> ListenAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var channel = Channel.CreateBounded<FactAnswerChanged>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _listeners[id] = channel;
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken))
                yield return change;
        }
        finally
        {
            _listeners.TryRemove(id, out _);
        }
    }
}
