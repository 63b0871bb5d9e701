using System.Buffers.Text;
using System.Text;

namespace SCOFacts.Api.ReadModels;

/// <summary>
/// Opaque page cursors: the key of the last row served, base64url-encoded with a version
/// prefix so the format can change without clients noticing.
/// </summary>
public static class Cursor
{
    private const string Prefix = "v1:";

    public static string Encode(string lastKey) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Prefix + lastKey));

    /// <summary>Decodes a cursor; false when it was not made by <see cref="Encode"/>.</summary>
    public static bool TryDecode(string? cursor, out string? lastKey)
    {
        lastKey = null;
        if (string.IsNullOrEmpty(cursor)) return true;
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            if (!text.StartsWith(Prefix, StringComparison.Ordinal)) return false;
            lastKey = text[Prefix.Length..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
