using System.Text.Json;
using System.Text.Json.Serialization;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Values;

namespace SCOFacts.Api.Seeding;

public sealed record SeedSource(
    string Id, string Title, string Publisher, string? Author, string? Url, PartialDate? PublishedOn, string Kind,
    string Language, string? Document, string? Sha256, string? Note);

public sealed record SeedFact(
    string Id, string Subject, string Property, Dictionary<string, string>? Qualifiers, string ValueType, string? Unit,
    List<string>? AllowedStatuses, string Description);

public sealed record SeedClaim(
    string Id, string Fact, string Source, ClaimValue Value, ValidTime ValidTime, string Quote, Locator? Locator, string? Note);

public sealed record SeedEvidence(string Source, string Quote);

/// <summary>One desk action: dispute, uphold, reject, endorse, retract or rate.</summary>
public sealed record SeedAction(
    string Id, string Type, string? Principal, string? Claim, string? Dispute, string? Reason, SeedEvidence? CounterEvidence,
    string? Note, string? Source, double? Reliability);

/// <summary>The seed set as docs/seed-format.md describes it.</summary>
public sealed record SeedSet(
    IReadOnlyList<SeedSource> Sources, IReadOnlyList<SeedFact> Facts, IReadOnlyList<SeedClaim> Claims, IReadOnlyList<SeedAction> Actions)
{
    public static JsonSerializerOptions JsonOptions { get; } = new(DomainEvents.JsonOptions)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads sources.json, facts.json, claims/*.json (in name order) and actions.json from a folder.</summary>
    public static SeedSet Load(string folder)
    {
        T Read<T>(string path) => JsonSerializer.Deserialize<T>(File.ReadAllText(path), JsonOptions)
            ?? throw new InvalidDataException($"{path} is empty.");
        var claims = Directory.GetFiles(Path.Combine(folder, "claims"), "*.json").Order(StringComparer.Ordinal)
            .SelectMany(Read<List<SeedClaim>>).ToList();
        var actionsPath = Path.Combine(folder, "actions.json");
        return new SeedSet(
            Read<List<SeedSource>>(Path.Combine(folder, "sources.json")),
            Read<List<SeedFact>>(Path.Combine(folder, "facts.json")),
            claims,
            File.Exists(actionsPath) ? Read<List<SeedAction>>(actionsPath) : []);
    }

    /// <summary>Reads an import file: a JSON array of claims, or JSON Lines with one claim per line.</summary>
    public static IEnumerable<(int Line, SeedClaim? Claim, string? Error)> ReadClaimsFile(string path)
    {
        var text = File.ReadAllText(path);
        if (text.TrimStart().StartsWith('['))
        {
            List<SeedClaim>? claims = null;
            string? error = null;
            try { claims = JsonSerializer.Deserialize<List<SeedClaim>>(text, JsonOptions); }
            catch (JsonException e) { error = e.Message; }
            if (error is not null) { yield return (1, null, error); yield break; }
            for (var i = 0; i < claims!.Count; i++) yield return (i + 1, claims[i], null);
            yield break;
        }
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            SeedClaim? claim = null;
            string? error = null;
            try { claim = JsonSerializer.Deserialize<SeedClaim>(line, JsonOptions); }
            catch (JsonException e) { error = e.Message; }
            yield return (lineNumber, claim, error ?? (claim is null ? "empty line" : null));
        }
    }
}
