using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SCOFacts.Api.Subscriptions;

/// <summary>
/// The signature a delivery carries in <see cref="HeaderName"/>: <c>t=UNIX_SECONDS,v1=HEX</c>, where HEX is the
/// lower-case HMAC-SHA256, keyed with the subscription's secret (UTF-8), of <c>UNIX_SECONDS + "." + body</c>.
/// Signing the time lets a receiver refuse a replayed delivery by its age.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The header holding the signature.</summary>
    public const string HeaderName = "SCOFacts-Signature";

    /// <summary>The header holding the delivery's id, the same on every attempt (receivers deduplicate by it).</summary>
    public const string DeliveryHeader = "SCOFacts-Delivery";

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="timestamp"/>.</summary>
    public static string Create(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return $"t={timestamp.ToString(CultureInfo.InvariantCulture)},v1={Compute(secret, timestamp, body)}";
    }

    /// <summary>Whether <paramref name="header"/> is a valid signature of <paramref name="body"/> with <paramref name="secret"/>.</summary>
    public static bool Verify(string secret, string? header, ReadOnlySpan<byte> body, out long timestamp)
    {
        ArgumentNullException.ThrowIfNull(secret);
        timestamp = 0;
        if (header is null) return false;
        string? t = null, v1 = null;
        foreach (var part in header.Split(','))
        {
            var pair = part.Split('=', 2);
            if (pair.Length != 2) continue;
            if (pair[0] == "t") t = pair[1];
            else if (pair[0] == "v1") v1 = pair[1];
        }
        if (t is null || v1 is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out timestamp)) return false;
        var expected = Encoding.ASCII.GetBytes(Compute(secret, timestamp, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(v1));
    }

    private static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }
}
