using System.Text.Json.Serialization;

namespace SCOFacts.Domain;

/// <summary>How the API will answer a rejection: 422, 404 or 409.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RejectionKind>))]
public enum RejectionKind
{
    [JsonStringEnumMemberName("validation")] Validation,
    [JsonStringEnumMemberName("not-found")] NotFound,
    [JsonStringEnumMemberName("conflict")] Conflict,
}

/// <summary>Why a command was refused: a stable machine code and a sentence for people.</summary>
public sealed record Rejection(string Code, string Message, RejectionKind Kind)
{
    /// <summary>Structured help beyond the message (e.g. the closest passage to a quote), keyed in camelCase; null when none.</summary>
    public IReadOnlyDictionary<string, object?>? Details { get; init; }

    public static Rejection Validation(string code, string message) => new(code, message, RejectionKind.Validation);

    public static Rejection NotFound(string code, string message) => new(code, message, RejectionKind.NotFound);

    public static Rejection Conflict(string code, string message) => new(code, message, RejectionKind.Conflict);
}

/// <summary>The outcome of a decider: the events to append, or why nothing may be appended.</summary>
public sealed record Decision
{
    private Decision(IReadOnlyList<object> events, Rejection? rejection)
    {
        Events = events;
        Rejection = rejection;
    }

    public IReadOnlyList<object> Events { get; }

    public Rejection? Rejection { get; }

    public bool IsAccepted => Rejection is null;

    public static Decision Accept(params object[] events) => new(events, null);

    public static Decision Reject(Rejection rejection) => new([], rejection);

    public static implicit operator Decision(Rejection rejection) => Reject(rejection);
}
