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

    /// <summary>How many items a load records or skips: sources, facts, claims and actions (documents are attached on the side).</summary>
    public int ItemCount => Sources.Count + Facts.Count + Claims.Count + Actions.Count;

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

    /// <summary>
    /// Reads an import file: a JSON array, or JSON Lines with one object per line. Each object is a source, a fact or a claim
    /// in the seeds' format, told apart by its fields (a claim names its "fact", a fact its "valueType", a source its "publisher").
    /// </summary>
    public static IReadOnlyList<ImportItem> ReadImportFile(string path) => ReadImportText(File.ReadAllText(path));

    /// <summary>Reads an import file's content (see <see cref="ReadImportFile"/>): what an HTTP import sends as its body.</summary>
    public static IReadOnlyList<ImportItem> ReadImportText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var items = new List<ImportItem>();
        if (text.TrimStart().StartsWith('['))
        {
            try
            {
                using var document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                var index = 0;
                foreach (var element in document.RootElement.EnumerateArray()) items.Add(ReadItem(++index, element));
            }
            catch (JsonException e)
            {
                items.Add(new ImportItem(1, null, null, null, e.Message));
            }
            return items;
        }
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var document = JsonDocument.Parse(line);
                items.Add(ReadItem(lineNumber, document.RootElement));
            }
            catch (JsonException e)
            {
                items.Add(new ImportItem(lineNumber, null, null, null, e.Message));
            }
        }
        return items;
    }

    private static ImportItem ReadItem(int line, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object) return new ImportItem(line, null, null, null, "not a JSON object");
        try
        {
            return element.TryGetProperty("fact", out _) ? new ImportItem(line, null, null, Required(element.Deserialize<SeedClaim>(JsonOptions)), null)
                : element.TryGetProperty("valueType", out _) ? new ImportItem(line, null, Required(element.Deserialize<SeedFact>(JsonOptions)), null, null)
                : element.TryGetProperty("publisher", out _) ? new ImportItem(line, Required(element.Deserialize<SeedSource>(JsonOptions)), null, null, null)
                : new ImportItem(line, null, null, null, "neither a claim (\"fact\"), a fact (\"valueType\") nor a source (\"publisher\")");
        }
        catch (JsonException e)
        {
            return new ImportItem(line, null, null, null, e.Message);
        }
    }

    // Missing required members leave nulls in non-nullable properties; catch them here rather than as a crash later.
    private static T Required<T>(T? item) where T : class
    {
        if (item is null) throw new JsonException("null item");
        foreach (var property in typeof(T).GetProperties())
        {
            var nullable = new System.Reflection.NullabilityInfoContext().Create(property).ReadState == System.Reflection.NullabilityState.Nullable;
            if (!nullable && property.GetValue(item) is null)
                throw new JsonException($"'{JsonNamingPolicy.CamelCase.ConvertName(property.Name)}' is required.");
        }
        return item;
    }
}
