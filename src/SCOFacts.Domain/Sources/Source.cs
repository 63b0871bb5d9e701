using System.Text.Json.Serialization;
using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Sources;

[JsonConverter(typeof(JsonStringEnumConverter<SourceKind>))]
public enum SourceKind
{
    [JsonStringEnumMemberName("news")] News,
    [JsonStringEnumMemberName("official")] Official,
    [JsonStringEnumMemberName("academic")] Academic,
    [JsonStringEnumMemberName("commentary")] Commentary,
}

// Events: the story of one source, stream "source-{id}".

public sealed record SourceRegistered(
    string SourceId,
    string Title,
    string Publisher,
    string? Author,
    string? Url,
    PartialDate? PublishedOn,
    SourceKind Kind,
    string Language,
    string? Document,
    string? Sha256,
    string? Note,
    string RegisteredBy);

/// <param name="Reliability">0 (never right) to 1 (always right).</param>
/// <param name="SourceId">The rated source.</param>
/// <param name="Reason">Why the editor chose this rating.</param>
/// <param name="RatedBy">The editor's principal name.</param>
public sealed record SourceRated(string SourceId, double Reliability, string Reason, string RatedBy);

// Commands.

public interface ISourceCommand
{
    string SourceId { get; }
}

/// <param name="Kind">news, official, academic or commentary; anything else is rejected.</param>
/// <param name="SourceId">A readable slug, unique.</param>
/// <param name="Title">The document's title.</param>
/// <param name="Publisher">Who published it; claims from one publisher count as one voice.</param>
/// <param name="Author">The author, when named.</param>
/// <param name="Url">Where it was published, when known.</param>
/// <param name="PublishedOn">Partial publication date, when the document gives one.</param>
/// <param name="Language">ISO language code.</param>
/// <param name="Document">File name in the documents folder.</param>
/// <param name="Sha256">Digest of the document's bytes.</param>
/// <param name="Note">Free note, e.g. why there is no date.</param>
/// <param name="RegisteredBy">Principal name.</param>
public sealed record RegisterSource(
    string SourceId,
    string Title,
    string Publisher,
    string? Author,
    string? Url,
    PartialDate? PublishedOn,
    string Kind,
    string Language,
    string? Document,
    string? Sha256,
    string? Note,
    string RegisteredBy) : ISourceCommand;

public sealed record RateSource(string SourceId, double Reliability, string Reason, string RatedBy) : ISourceCommand;

public sealed record SourceState(
    bool IsRegistered,
    string SourceId,
    string Title,
    string Publisher,
    string? Author,
    string? Url,
    PartialDate? PublishedOn,
    SourceKind Kind,
    string Language,
    string? Document,
    string? Sha256,
    string? Note,
    double? Reliability,
    string? ReliabilityReason,
    string? RatedBy,
    int RatingCount)
{
    public static SourceState Initial { get; } =
        new(false, "", "", "", null, null, null, SourceKind.News, "", null, null, null, null, null, null, 0);

    public SourceState Apply(SourceRegistered e) => this with
    {
        IsRegistered = true,
        SourceId = e.SourceId,
        Title = e.Title,
        Publisher = e.Publisher,
        Author = e.Author,
        Url = e.Url,
        PublishedOn = e.PublishedOn,
        Kind = e.Kind,
        Language = e.Language,
        Document = e.Document,
        Sha256 = e.Sha256,
        Note = e.Note,
    };

    /// <summary>The attached document's text, or null while the source has none.</summary>
    public string? DocumentText { get; init; }

    /// <summary>SHA-256 of the attached document's text, or null while the source has none.</summary>
    public string? DocumentSha256 { get; init; }

    public SourceState Apply(SourceDocumentAttached e) => this with { DocumentText = e.Text, DocumentSha256 = e.Sha256 };

    public SourceState Apply(SourceRated e) => this with
    {
        Reliability = e.Reliability,
        ReliabilityReason = e.Reason,
        RatedBy = e.RatedBy,
        RatingCount = RatingCount + 1,
    };
}

/// <summary>The source aggregate: initial state, evolve and decide, for the generic command runner.</summary>
public sealed class Source : IAggregate<SourceState, ISourceCommand, NoContext>
{
    private Source()
    {
    }

    public static string StreamId(string id) => "source-" + id;

    public static SourceState Initial => SourceState.Initial;

    public static SourceState Evolve(SourceState state, object @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        return @event switch
        {
            SourceRegistered e => state.Apply(e),
            SourceRated e => state.Apply(e),
            SourceDocumentAttached e => state.Apply(e),
            _ => state,
        };
    }

    public static SourceState Fold(IEnumerable<object> events) => events.Aggregate(Initial, Evolve);

    public static Decision Decide(ISourceCommand command, SourceState state, NoContext context) => Decide(command, state);

    public static Decision Decide(ISourceCommand command, SourceState state) => command switch
    {
        RegisterSource c => Register(c, state),
        RateSource c => Rate(c, state),
        AttachSourceDocument c => Attach(c, state),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown source command."),
    };

    private static Decision Register(RegisterSource c, SourceState state)
    {
        if (state.IsRegistered)
        {
            return Rejection.Conflict("source-exists", $"Source '{c.SourceId}' is already registered.");
        }

        if (!Slug.IsValid(c.SourceId))
        {
            return Rejection.Validation("bad-source-id", $"'{c.SourceId}' is not a slug (lower-case words, digits, dots, hyphens).");
        }

        if (string.IsNullOrWhiteSpace(c.Title) || string.IsNullOrWhiteSpace(c.Publisher))
        {
            return Rejection.Validation("missing-field", "A source needs a title and a publisher.");
        }

        if (!TryKind(c.Kind, out var kind))
        {
            return Rejection.Validation("unknown-source-kind", $"'{c.Kind}' is not a source kind (news, official, academic, commentary).");
        }

        if (string.IsNullOrWhiteSpace(c.Language))
        {
            return Rejection.Validation("missing-field", "A source needs a language.");
        }

        return Decision.Accept(new SourceRegistered(c.SourceId, c.Title.Trim(), c.Publisher.Trim(), c.Author, c.Url,
            c.PublishedOn, kind, c.Language.Trim(), c.Document, c.Sha256, c.Note, c.RegisteredBy));
    }

    private static Decision Rate(RateSource c, SourceState state)
    {
        if (!state.IsRegistered)
        {
            return Rejection.NotFound("unknown-source", $"Source '{c.SourceId}' is not registered.");
        }

        if (double.IsNaN(c.Reliability) || c.Reliability is < 0 or > 1)
        {
            return Rejection.Validation("reliability-out-of-range", $"Reliability must be between 0 and 1; got {c.Reliability}.");
        }

        return string.IsNullOrWhiteSpace(c.Reason)
            ? Rejection.Validation("missing-reason", "A rating needs a reason.")
            : Decision.Accept(new SourceRated(c.SourceId, c.Reliability, c.Reason.Trim(), c.RatedBy));
    }

    private static Decision Attach(AttachSourceDocument c, SourceState state)
    {
        if (!state.IsRegistered)
        {
            return Rejection.NotFound("unknown-source", $"Source '{c.SourceId}' is not registered.");
        }

        if (SourceDocument.Validate(c.Text) is { } bad)
        {
            return bad;
        }

        var digest = SourceDocument.DigestOf(c.Text);
        if (state.DocumentSha256 is { } attached)
        {
            // Claims were checked against the attached text: replacing it would leave their quotes unchecked.
            return attached == digest
                ? Decision.Accept()
                : Rejection.Conflict("document-exists", $"Source '{c.SourceId}' already has a document (SHA-256 {attached}); a document is never replaced.");
        }

        if (state.Sha256 is { Length: > 0 } registered && !string.Equals(registered, digest, StringComparison.OrdinalIgnoreCase))
        {
            return Rejection.Validation("document-digest-mismatch",
                $"The text's SHA-256 is {digest}, but source '{c.SourceId}' was registered with {registered.ToLowerInvariant()}.");
        }

        return Decision.Accept(new SourceDocumentAttached(c.SourceId, c.Text, digest, c.AttachedBy));
    }

    private static bool TryKind(string? kind, out SourceKind parsed)
    {
        (var ok, parsed) = kind switch
        {
            "news" => (true, SourceKind.News),
            "official" => (true, SourceKind.Official),
            "academic" => (true, SourceKind.Academic),
            "commentary" => (true, SourceKind.Commentary),
            _ => (false, default),
        };
        return ok;
    }
}
