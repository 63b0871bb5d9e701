using System.Diagnostics;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Platform;

public static class EventMetadataExtensions
{
    /// <summary>A client may tie its requests together under one id of its own with this header.</summary>
    public const string CorrelationHeader = "X-Correlation-Id";

    private const int MaxCorrelationLength = 128;

    /// <summary>
    /// The metadata for events this request appends: the principal (<c>{role}:{name}</c>), a correlation id (the
    /// client's <c>X-Correlation-Id</c> when it sent a sensible one, else the request's trace id) and the
    /// request's <c>Idempotency-Key</c>.
    /// </summary>
    public static EventMetadata CreateEventMetadata(this HttpContext context, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var correlation = context.Request.Headers[CorrelationHeader].ToString();
        if (correlation.Length is 0 or > MaxCorrelationLength || correlation.Any(c => c < 0x21 || c > 0x7e))
            correlation = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
        return new EventMetadata(
            context.User.ScoFactsPrincipalName(),
            CorrelationId: correlation,
            IdempotencyKey: context.GetIdempotencyKey(),
            Reason: reason);
    }
}
