using System.Text.Json;
using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;
using SCOFacts.Domain;
using SCOFacts.EventStore;
using Weasel.Core;

namespace SCOFacts.Api.Storage;

/// <summary>
/// How SCOFacts configures Marten as its event store (ADR 005). One place, used by the host, the
/// command-line verbs, the schema export and the tests, so they cannot drift apart.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Streams are named by strings (<c>fact-…</c>, <c>source-…</c>), as the events recorded before Marten were.</item>
/// <item>Appends are <see cref="EventAppendMode.QuickWithServerTimestamps"/>, never Rich: Rich reserves sequence
/// numbers outside the write transaction, and a commit slower than the daemon's stale-gap threshold then lets
/// the daemon skip a committed event for good. Quick takes its sequence numbers inside the transaction.</item>
/// <item>Gap skipping trusts only transaction evidence (no live transaction holds the gap); a gap is never skipped
/// on age alone, so a long transaction delays projections rather than losing an event to them.</item>
/// <item>Every event carries the principal (user name), correlation and causation ids, and headers
/// (idempotency key, reason).</item>
/// <item>Events are stored with the domain's JSON options under the domain's stable event names, so the stored
/// bytes of an event are the same as before Marten, and a value's <c>kind</c> discriminator may come anywhere
/// in the object (jsonb reorders keys).</item>
/// </list>
/// </remarks>
public static class ScoFactsMarten
{
    /// <summary>The header an event's idempotency key is stored under.</summary>
    public const string IdempotencyKeyHeader = "idempotencyKey";

    /// <summary>The header an event's reason is stored under.</summary>
    public const string ReasonHeader = "reason";

    /// <summary>The stream Marten records failed saves' tombstones in; the append-only guard lets it through.</summary>
    public const string TombstoneStream = "mt_tombstone";

    /// <summary>Applies SCOFacts' settings to Marten's options.</summary>
    /// <param name="options">Marten's options.</param>
    /// <param name="dataSource">The application's data source (created with <c>No Reset On Close</c>: see <c>EventStoreDataSource</c>).</param>
    /// <param name="autoCreate">
    /// Whether Marten may create or change schema objects. Production runs with <see cref="AutoCreate.None"/>:
    /// the schema comes from <c>migrations/</c>, which holds Marten's own export.
    /// </param>
    public static void Configure(StoreOptions options, NpgsqlDataSource dataSource, AutoCreate autoCreate = AutoCreate.None)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataSource);

        options.Connection(dataSource);
        options.AutoCreateSchemaObjects = autoCreate;
        options.DatabaseSchemaName = "public";

        // A copy: Marten adds converters of its own to the options it is given, and the domain's are shared.
        options.UseSystemTextJsonForSerialization(new JsonSerializerOptions(DomainEvents.JsonOptions), EnumStorage.AsString, Casing.CamelCase,
            json => json.AllowOutOfOrderMetadataProperties = true);

        var events = options.Events;
        events.StreamIdentity = StreamIdentity.AsString;
        events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        events.MetadataConfig.UserNameEnabled = true;
        events.MetadataConfig.CorrelationIdEnabled = true;
        events.MetadataConfig.CausationIdEnabled = true;
        events.MetadataConfig.HeadersEnabled = true;
        foreach (var (name, type) in DomainEvents.Types) events.MapEventType(type, name);
        events.MapEventType<LegacyLogCarriedOver>(nameof(LegacyLogCarriedOver));

        options.Projections.UseTransactionEvidenceForGapSkipping = true;
    }

    /// <summary>Stamps a session's events with who asked, why, and the request they came from.</summary>
    /// <param name="session">The session the events will be appended through.</param>
    /// <param name="metadata">The principal, correlation and causation ids, idempotency key, reason and extras.</param>
    public static void Stamp(IDocumentSession session, EventMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(metadata);
        session.LastModifiedBy = metadata.Principal;
        session.CorrelationId = metadata.CorrelationId;
        session.CausationId = metadata.CausationId;
        foreach (var (name, value) in Headers(metadata)) session.SetHeader(name, value);
    }

    /// <summary>The headers an event stores for its metadata: idempotency key, reason, and the extras.</summary>
    public static IEnumerable<(string Name, string Value)> Headers(EventMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.IdempotencyKey is { } key) yield return (IdempotencyKeyHeader, key);
        if (metadata.Reason is { } reason) yield return (ReasonHeader, reason);
        foreach (var (name, value) in metadata.Extra ?? new Dictionary<string, string>()) yield return (name, value);
    }
}
