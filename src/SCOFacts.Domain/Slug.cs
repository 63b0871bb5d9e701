using System.Text.RegularExpressions;

namespace SCOFacts.Domain;

/// <summary>Ids of facts and sources: lower-case words and digits joined by dots and hyphens.</summary>
public static partial class Slug
{
    [GeneratedRegex(@"^[a-z0-9]+(?:[.-][a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && id.Length <= 200 && Pattern().IsMatch(id);
}
