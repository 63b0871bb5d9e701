using System.Globalization;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Domain.Facts;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Audit;

/// <summary>A digest of the whole log in commit order. Keep <paramref name="Token"/>: later, <c>verify?from=TOKEN</c> proves the log only grew since.</summary>
public sealed record DigestResponse(long EventCount, string Hash, string Position, DateTimeOffset ComputedAt, string Token)
{
    public static DigestResponse From(LogDigest d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(d.EventCount, d.Hash, d.Position.ToString(), d.ComputedAt, DigestToken.Format(d));
    }
}

/// <summary>The outcome of verifying the log: every hash chain, and optionally that it extends an earlier digest.</summary>
public sealed record VerifyResponse(bool Valid, long EventsChecked, long StreamsChecked, bool? ExtendsDigest, ChainBreak? FirstBreak,
    IReadOnlyList<ChainBreak> Breaks, DigestResponse Current);

/// <summary>The text form of a digest an auditor keeps: <c>txid.position.count.hash</c>.</summary>
/// <summary>A fact's events with the bytes each hash covers, and the commit-order hash list that folds into the digest.</summary>
/// <param name="StreamId">The fact's stream.</param>
/// <param name="HashRule">How to recompute each hash and the digest.</param>
/// <param name="Digest">The digest the proof is against.</param>
/// <param name="Events">The fact's events, with their index in <paramref name="LogHashes"/>.</param>
/// <param name="LogHashes">Every event hash in commit order up to the digest.</param>
public sealed record ProofResponse(string StreamId, string HashRule, DigestResponse Digest, IReadOnlyList<ProofEvent> Events, IReadOnlyList<string> LogHashes)
{
    public const string Rule =
        "hash = SHA-256(UTF-8 of previousHashHex \\n globalPosition \\n transactionId \\n streamId \\n streamVersion \\n eventType \\n data \\n metadata \\n recordedAtMicros); " +
        "digest = fold over logHashes of SHA-256(digest || hash), starting from 32 zero bytes";
}

public static class DigestToken
{
    public static string Format(LogDigest d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return string.Create(CultureInfo.InvariantCulture, $"{d.Position.TransactionId}.{d.Position.GlobalPosition}.{d.EventCount}.{d.Hash}");
    }

    public static bool TryParse(string? token, out LogDigest? digest)
    {
        digest = null;
        var parts = token?.Split('.') ?? [];
        if (parts.Length != 4
            || !ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var tx)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || parts[3].Length != 64 || !parts[3].All(Uri.IsHexDigit))
            return false;
        digest = new LogDigest(new FeedPosition(tx, position), count, parts[3].ToLowerInvariant(), DateTimeOffset.MinValue);
        return true;
    }
}

public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/audit").WithTags("Audit");
        group.MapGet("/digest", DigestAsync).WithName("GetDigest")
            .WithSummary("The current digest of the whole log in commit order (position, hash, time) and a token to keep.")
            .Produces<DigestResponse>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: AuditExamples.Digest);
        group.MapGet("/verify", VerifyAsync).WithName("VerifyLog").RequireAuthorization(Policies.Auditor)
            .WithSummary("Recompute every hash chain and, with from=TOKEN, check the log still extends that digest (auditors). Reports the first broken event.")
            .Produces<VerifyResponse>().ProducesProblem(StatusCodes.Status400BadRequest)
            .WithExamples(response: AuditExamples.Verified);
        app.MapGet("/api/facts/{factId}/proof", ProofAsync).WithTags("Audit").WithName("GetFactProof")
            .WithSummary("What an auditor needs to check one fact's events against a digest they hold: the hashed bytes of each event and the commit-order hash list.")
            .Produces<ProofResponse>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: AuditExamples.Proof);
        return app;
    }

    private static async Task<IResult> DigestAsync(EventStore.EventStore store, CancellationToken cancellationToken) =>
        await store.GetLatestDigestAsync(cancellationToken) is { } digest
            ? TypedResults.Ok(DigestResponse.From(digest))
            : Problems.NotFound("No digest has been kept yet: the projection daemon keeps one after its first batch of events.");

    private static async Task<IResult> VerifyAsync(string? from, EventStore.EventStore store, CancellationToken cancellationToken)
    {
        LogDigest? earlier = null;
        if (!string.IsNullOrEmpty(from) && !DigestToken.TryParse(from, out earlier))
            return Problems.Malformed("'from' must be a digest token as GET /api/audit/digest returns it (txid.position.count.hash).");
        var result = await store.VerifyAsync(earlier, cancellationToken);
        return TypedResults.Ok(new VerifyResponse(result.IsValid, result.EventsChecked, result.StreamsChecked, result.ExtendsDigest,
            result.FirstBreak, result.Breaks, DigestResponse.From(result.Current)));
    }

    private static async Task<IResult> ProofAsync(string factId, string? digest, EventStore.EventStore store, CancellationToken cancellationToken)
    {
        LogDigest? against = null;
        if (!string.IsNullOrEmpty(digest) && !DigestToken.TryParse(digest, out against))
            return Problems.Malformed("'digest' must be a digest token as GET /api/audit/digest returns it.");
        if (await store.GetStreamVersionAsync(Fact.StreamId(factId), cancellationToken) is null) return Problems.NotFound($"No fact '{factId}'.");
        if (await store.GetStreamProofAsync(Fact.StreamId(factId), against, cancellationToken) is not { } proof)
            return Problems.NotFound("No digest has been kept yet to prove against.");
        return TypedResults.Ok(new ProofResponse(proof.StreamId, ProofResponse.Rule, DigestResponse.From(proof.Digest), proof.Events, proof.LogHashes));
    }
}
