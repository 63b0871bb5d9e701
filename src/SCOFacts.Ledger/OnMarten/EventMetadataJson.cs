using System.Globalization;
using System.Text;

namespace SCOFacts.Ledger;

/// <summary>
/// The text PostgreSQL gives for an event's metadata object, <c>jsonb_build_object('tenantId', tenant_id,
/// 'dotnetType', mt_dotnet_type, 'userName', user_name, 'correlationId', correlation_id, 'causationId', causation_id,
/// 'headers', headers)::text</c>, made from the columns' stored values without asking the server to build it: on a
/// catch-up the server spent more time building that object than reading everything else of the row.
/// </summary>
/// <remarks>
/// The rendering is <c>jsonb</c>'s own, which is fixed by the stored values: keys sorted shorter first, then by their
/// bytes (all six here are ASCII); <c>": "</c> between key and value and <c>", "</c> between members; SQL NULL as
/// <c>null</c>; a string quoted with <c>"</c>, <c>\</c>, backspace, form feed, newline, carriage return and tab escaped
/// as <c>\"</c>, <c>\\</c>, <c>\b</c>, <c>\f</c>, <c>\n</c>, <c>\r</c>, <c>\t</c>, any other character below U+0020 as
/// <c>\u00xx</c> in lower-case hex, and every other character as it is. The headers are a stored <c>jsonb</c> value,
/// read as the server renders it, and nest in the object unchanged. The whole-log check
/// (<see cref="MartenEventRows.ReadAllAsync"/>) still asks the server for the object, so a leaf sealed from any other
/// text would be reported.
/// </remarks>
internal static class EventMetadataJson
{
    /// <summary>The metadata object's text for one event's column values, each null where the column is NULL.</summary>
    /// <param name="tenantId">The <c>tenant_id</c> column.</param>
    /// <param name="dotnetType">The <c>mt_dotnet_type</c> column.</param>
    /// <param name="userName">The <c>user_name</c> column.</param>
    /// <param name="correlationId">The <c>correlation_id</c> column.</param>
    /// <param name="causationId">The <c>causation_id</c> column.</param>
    /// <param name="headers">The <c>headers</c> column as the server renders it (<c>headers::text</c>).</param>
    public static string Render(string? tenantId, string? dotnetType, string? userName, string? correlationId, string? causationId, string? headers)
    {
        var text = new StringBuilder(64 + (headers?.Length ?? 4) + Length(tenantId) + Length(dotnetType) + Length(userName)
            + Length(correlationId) + Length(causationId));
        // jsonb's key order: "headers" (7), "tenantId" and "userName" (8, t < u), "dotnetType" (10), "causationId" (11),
        // "correlationId" (13).
        text.Append("{\"headers\": ").Append(headers ?? "null");
        Member(text, "tenantId", tenantId);
        Member(text, "userName", userName);
        Member(text, "dotnetType", dotnetType);
        Member(text, "causationId", causationId);
        Member(text, "correlationId", correlationId);
        return text.Append('}').ToString();
    }

    private static int Length(string? value) => value?.Length ?? 4;

    private static void Member(StringBuilder text, string key, string? value)
    {
        text.Append(", \"").Append(key).Append("\": ");
        if (value is null)
            text.Append("null");
        else
            AppendString(text, value);
    }

    /// <summary>A JSON string as PostgreSQL's <c>escape_json</c> writes it.</summary>
    internal static void AppendString(StringBuilder text, string value)
    {
        text.Append('"');
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c >= ' ' && c != '"' && c != '\\')
                continue;
            text.Append(value, start, i - start);
            start = i + 1;
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default: text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
            }
        }
        text.Append(value, start, value.Length - start).Append('"');
    }
}
