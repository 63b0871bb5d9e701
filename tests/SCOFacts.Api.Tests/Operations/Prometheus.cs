using System.Globalization;

namespace SCOFacts.Api.Tests.Operations;

/// <summary>Reads the Prometheus text format that <c>/metrics</c> serves.</summary>
internal static class Prometheus
{
    public static async Task<string> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"/metrics answered {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>The sum of every sample of <paramref name="name"/> whose labels contain each of <paramref name="labels"/> (e.g. <c>reason="claim-exists"</c>); null when there is none.</summary>
    public static double? Sum(string scrape, string name, params string[] labels)
    {
        double? sum = null;
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal)) continue;
            var rest = line[name.Length..];
            if (rest.Length == 0 || (rest[0] != '{' && rest[0] != ' ')) continue;
            var close = rest.StartsWith('{') ? rest.LastIndexOf('}') : -1;
            var labelText = close > 0 ? rest[..(close + 1)] : "";
            if (!labels.All(l => labelText.Contains(l, StringComparison.Ordinal))) continue;
            var value = rest[(close + 1)..].Trim().Split(' ')[0];
            sum = (sum ?? 0) + double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        return sum;
    }
}
