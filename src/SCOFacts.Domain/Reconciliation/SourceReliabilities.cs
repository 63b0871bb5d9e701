using System.Text.Json.Serialization;

namespace SCOFacts.Domain.Reconciliation;

/// <summary>Where a reliability came from, so every fact view can say which numbers it trusted and why.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReliabilityOrigin>))]
public enum ReliabilityOrigin
{
    /// <summary>An editor rated the source (SourceRated).</summary>
    [JsonStringEnumMemberName("rated")] Rated,

    /// <summary>Estimated from how often the source agreed with well-supported values.</summary>
    [JsonStringEnumMemberName("learned")] Learned,

    /// <summary>Nothing known: <see cref="SourceReliabilities.DefaultReliability"/>.</summary>
    [JsonStringEnumMemberName("default")] Default,
}

/// <summary>
/// One source's weight in reconciliation. <paramref name="Publisher"/> decides independence: claims from
/// one publisher are one voice. <paramref name="SupportCount"/> is how many observations back the number
/// (ratings, or agreements counted when learned; 0 for the default).
/// </summary>
/// <param name="SourceId">The source.</param>
/// <param name="Publisher">Its publisher, as registered.</param>
/// <param name="Reliability">0..1.</param>
/// <param name="Origin">Rated, learned or default.</param>
/// <param name="SupportCount">Observations behind the number.</param>
/// <param name="Title">The source's title, used to name it in explanations.</param>
/// <param name="Author">The author, when named: explanations name the person who said it.</param>
/// <param name="CopyGroup">When the trust estimator found the source repeating others, the group it speaks with as one
/// voice (the group's smallest source id); null otherwise.</param>
public sealed record SourceReliability(
    string SourceId,
    string Publisher,
    double Reliability,
    ReliabilityOrigin Origin,
    int SupportCount,
    string? Title = null,
    string? Author = null,
    string? CopyGroup = null)
{
    /// <summary>Who this source speaks as: its copy group when it has one, else its publisher.</summary>
    public string Voice => CopyGroup is { } group ? "copy-group:" + group : Publisher.Trim().ToLowerInvariant();

    /// <summary>
    /// How an explanation names the source: "Xinhua", "Deng Hao (China Institute of International Studies)",
    /// "Temur Umarov (via a Japanese news site)" for an author whose publisher is unnamed, "an unnamed online publication".
    /// </summary>
    public string SpokenName()
    {
        var publisher = Publisher.Trim();
        var unnamed = publisher.StartsWith("unnamed ", StringComparison.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(Author))
        {
            return unnamed ? Article(publisher) + " " + publisher : publisher;
        }

        if (!unnamed)
        {
            return $"{Author.Trim()} ({publisher})";
        }

        var kind = publisher["unnamed ".Length..].Trim();
        return $"{Author.Trim()} (via {Article(kind)} {kind})";
    }

    private static string Article(string noun) => noun.Length > 0 && "aeiouAEIOU".Contains(noun[0], StringComparison.Ordinal) ? "an" : "a";
}

/// <summary>The reliabilities a reconciliation may use. Never null: an unknown source gets a default entry.</summary>
public interface ISourceReliabilities
{
    SourceReliability For(string sourceId);
}

public sealed class SourceReliabilities : ISourceReliabilities
{
    /// <summary>A source nobody has rated is a coin toss: neither trusted nor distrusted.</summary>
    public const double DefaultReliability = 0.5;

    private readonly Dictionary<string, SourceReliability> entries;

    public SourceReliabilities(IEnumerable<SourceReliability> entries)
    {
        this.entries = new Dictionary<string, SourceReliability>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            this.entries[entry.SourceId] = entry with { Reliability = Math.Clamp(entry.Reliability, 0, 1) };
        }
    }

    public static SourceReliabilities Empty { get; } = new([]);

    /// <summary>An unknown source is its own publisher (so it stays independent) at the default reliability.</summary>
    public SourceReliability For(string sourceId) =>
        entries.TryGetValue(sourceId, out var entry)
            ? entry
            : new SourceReliability(sourceId, sourceId, DefaultReliability, ReliabilityOrigin.Default, 0);
}
