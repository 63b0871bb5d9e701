using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SCOFacts.EventStore;

/// <summary>
/// The hash rules, recomputed here from stored rows independently of the SQL that
/// wrote them (event_hash, defined in 0001_event_store.sql and rewritten byte for byte in
/// 0005_cheaper_appends.sql). Both must change together.
/// </summary>
public static class EventHash
{
    private static readonly DateTime UnixEpoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>An event's hash: SHA-256 of its stream's previous hash and its stored fields.</summary>
    public static byte[] Compute(byte[]? previous, long globalPosition, ulong transactionId, string streamId, long streamVersion,
        string eventType, string dataText, string metadataText, DateTime recordedAtUtc)
    {
        var micros = (recordedAtUtc.Ticks - UnixEpoch.Ticks) / 10;
        var text = string.Join('\n',
            previous is null ? "" : Convert.ToHexStringLower(previous),
            globalPosition.ToString(CultureInfo.InvariantCulture),
            transactionId.ToString(CultureInfo.InvariantCulture),
            streamId,
            streamVersion.ToString(CultureInfo.InvariantCulture),
            eventType,
            dataText,
            metadataText,
            micros.ToString(CultureInfo.InvariantCulture));
        return SHA256.HashData(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>The digest before any event: 32 zero bytes.</summary>
    public static byte[] EmptyDigest => new byte[32];

    /// <summary>Extends a running log digest by one event hash.</summary>
    public static byte[] ExtendDigest(byte[] digest, byte[] eventHash)
    {
        ArgumentNullException.ThrowIfNull(digest);
        ArgumentNullException.ThrowIfNull(eventHash);
        Span<byte> buffer = stackalloc byte[digest.Length + eventHash.Length];
        digest.CopyTo(buffer);
        eventHash.CopyTo(buffer[digest.Length..]);
        return SHA256.HashData(buffer);
    }
}
