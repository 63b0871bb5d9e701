using System.Security.Cryptography;

namespace SCOFacts.Api.Seeding;

/// <summary>
/// Checks a seed set against its documents: each document's SHA-256, and that every quote
/// (claims and counter-evidence) occurs verbatim in its document, at its locator when given.
/// </summary>
public static class SeedVerifier
{
    public static IReadOnlyList<string> Verify(SeedSet seeds, string documentsFolder)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var problems = new List<string>();
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in seeds.Sources)
        {
            if (source.Document is null) continue;
            var path = Path.Combine(documentsFolder, source.Document);
            if (!File.Exists(path))
            {
                problems.Add($"source {source.Id}: document {source.Document} not found in {documentsFolder}");
                continue;
            }
            var bytes = File.ReadAllBytes(path);
            var digest = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (!string.Equals(digest, source.Sha256, StringComparison.OrdinalIgnoreCase))
                problems.Add($"source {source.Id}: {source.Document} has SHA-256 {digest}, the seed says {source.Sha256}");
            texts[source.Id] = System.Text.Encoding.UTF8.GetString(bytes);
        }

        var factIds = seeds.Facts.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var claim in seeds.Claims)
        {
            if (!factIds.Contains(claim.Fact)) problems.Add($"claim {claim.Id}: unknown fact {claim.Fact}");
            if (!texts.TryGetValue(claim.Source, out var text))
            {
                // A missing document was reported once, above; an unknown source is this claim's own problem.
                if (!seeds.Sources.Any(s => s.Id == claim.Source)) problems.Add($"claim {claim.Id}: unknown source {claim.Source}");
                continue;
            }
            var at = text.IndexOf(claim.Quote, StringComparison.Ordinal);
            if (at < 0) problems.Add($"claim {claim.Id}: quote not found verbatim in {claim.Source}: \"{Shorten(claim.Quote)}\"");
            else if (claim.Locator?.Offset is { } offset && string.CompareOrdinal(text, offset, claim.Quote, 0, claim.Quote.Length) != 0)
                problems.Add($"claim {claim.Id}: quote is at offset {at}, the locator says {offset}");
        }

        foreach (var action in seeds.Actions)
        {
            if (action.CounterEvidence is not { } evidence) continue;
            if (!texts.TryGetValue(evidence.Source, out var text))
            {
                if (!seeds.Sources.Any(s => s.Id == evidence.Source)) problems.Add($"action {action.Id}: unknown counter-evidence source {evidence.Source}");
            }
            else if (!text.Contains(evidence.Quote, StringComparison.Ordinal))
                problems.Add($"action {action.Id}: counter-evidence not found verbatim in {evidence.Source}: \"{Shorten(evidence.Quote)}\"");
        }

        var duplicateIds = seeds.Claims.GroupBy(c => c.Id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key);
        problems.AddRange(duplicateIds.Select(id => $"claim id {id} is used more than once"));
        return problems;
    }

    private static string Shorten(string quote) => quote.Length <= 60 ? quote : quote[..57] + "...";
}
