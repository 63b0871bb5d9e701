using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SCOFacts.Ledger;

/// <summary>Leaf encoding v1 (docs/ledger.md, "Leaf bytes"): fixed field order, big-endian integers, length-prefixed UTF-8.</summary>
public static class LeafEncoding
{
    /// <summary>The first byte of every v1 leaf.</summary>
    public const byte Version1 = 0x01;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The bytes a leaf seals for <paramref name="entry"/>.</summary>
    public static byte[] Encode(LedgerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var bytes = new byte[EncodedSize(entry)];
        Write(entry, bytes);
        return bytes;
    }

    /// <summary>The leaf hash of <paramref name="entry"/>: <c>SHA-256(0x00 || leaf bytes)</c>.</summary>
    public static byte[] LeafHash(LedgerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        // The sealer hashes every event: encode behind the 0x00 prefix in one pooled buffer and hash that.
        var size = 1 + EncodedSize(entry);
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            buffer[0] = 0x00;
            Write(entry, buffer.AsSpan(1, size - 1));
            return SHA256.HashData(buffer.AsSpan(0, size));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int EncodedSize(LedgerEntry entry) =>
        1 + 8 + 16 + StringSize(entry.StreamId) + 8 + StringSize(entry.EventType) + 8 + StringSize(entry.Data) + StringSize(entry.Metadata);

    private static void Write(LedgerEntry entry, Span<byte> span)
    {
        span[0] = Version1;
        var at = 1;
        BinaryPrimitives.WriteInt64BigEndian(span[at..], entry.Position);
        at += 8;
        entry.EventId.TryWriteBytes(span.Slice(at, 16), bigEndian: true, out _);
        at += 16;
        at += WriteString(span[at..], entry.StreamId);
        BinaryPrimitives.WriteInt64BigEndian(span[at..], entry.StreamVersion);
        at += 8;
        at += WriteString(span[at..], entry.EventType);
        BinaryPrimitives.WriteInt64BigEndian(span[at..], MicrosecondsSinceEpoch(entry.Timestamp));
        at += 8;
        at += WriteString(span[at..], entry.Data);
        WriteString(span[at..], entry.Metadata);
    }

    // PostgreSQL keeps microseconds; a finer .NET tick would make bytes no reader of the table can reproduce.
    private static long MicrosecondsSinceEpoch(DateTimeOffset timestamp) =>
        (timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    private static int StringSize(string value) => 4 + Utf8.GetByteCount(value);

    private static int WriteString(Span<byte> destination, string value)
    {
        var length = Utf8.GetBytes(value, destination[4..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)length);
        return 4 + length;
    }
}
