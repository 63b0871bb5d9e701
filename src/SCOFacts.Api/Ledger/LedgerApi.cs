using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using SCOFacts.Api.Platform;
using SCOFacts.Ledger;

namespace SCOFacts.Api.Ledger;

/// <summary>The latest signed checkpoint, read apart (docs/ledger.md, "Checkpoint").</summary>
/// <param name="Origin">The log's name, the checkpoint's first line.</param>
/// <param name="TreeSize">How many leaves the signed tree has.</param>
/// <param name="RootHash">The tree's root hash, standard base64.</param>
/// <param name="KeyName">The name of the key that signed it (the origin).</param>
/// <param name="KeyId">The key hash the signature line starts with: 8 lower-case hex digits, as in the verifier key.</param>
/// <param name="Signature">The Ed25519 signature over the note's body, standard base64.</param>
/// <param name="Checkpoint">The signed note itself; verify this text, not the fields above.</param>
public sealed record CheckpointResponse(string Origin, long TreeSize, string RootHash, string KeyName, string KeyId, string Signature, string Checkpoint);

/// <summary>One leaf as sealed.</summary>
/// <param name="LeafIndex">Its index in the tree: the event's place in the sealed log.</param>
/// <param name="Position">The position (sequence number) of the event it seals.</param>
/// <param name="EventId">The identity of the event it seals.</param>
/// <param name="LeafHash">SHA-256(0x00 || leaf bytes), standard base64; the leaf bytes are the event's fields in leaf encoding v1.</param>
public sealed record LeafResponse(long LeafIndex, long Position, Guid EventId, string LeafHash);

/// <summary>An inclusion proof (docs/ledger.md, "Proofs"), with the leaf it proves.</summary>
/// <param name="LeafIndex">The leaf proved.</param>
/// <param name="TreeSize">The size of the tree it is proved in.</param>
/// <param name="Hashes">The audit path from the leaf upward, standard base64; at most ⌈log₂ treeSize⌉ of them.</param>
/// <param name="Position">The position of the event the leaf seals.</param>
/// <param name="LeafHash">The leaf's hash, standard base64.</param>
public sealed record InclusionProofResponse(long LeafIndex, long TreeSize, IReadOnlyList<string> Hashes, long Position, string LeafHash);

/// <summary>A consistency proof (docs/ledger.md, "Proofs").</summary>
/// <param name="FirstSize">The older tree's size.</param>
/// <param name="SecondSize">The newer tree's size.</param>
/// <param name="Hashes">The proof's hashes in RFC 9162 order, standard base64; at most ⌈log₂ secondSize⌉ + 1 of them.</param>
public sealed record ConsistencyProofResponse(long FirstSize, long SecondSize, IReadOnlyList<string> Hashes);

/// <summary>
/// The ledger over HTTP: the public key, the latest signed checkpoint, leaves, and inclusion and consistency proofs.
/// Anyone may read them; what names a fixed tree (a leaf, a proof for given sizes) never changes and is cacheable for good.
/// </summary>
public static class LedgerApi
{
    /// <summary>The path the verifier key is published at.</summary>
    public const string KeyPath = "/.well-known/scofacts-ledger-key";

    private const string TextPlain = "text/plain; charset=utf-8";
    private const string Immutable = "public, max-age=31536000, immutable";

    /// <summary>409: a tree size beyond the ledger's current head.</summary>
    public static ProblemKind BeyondTreeHead { get; } = new("beyond-tree-head", StatusCodes.Status409Conflict, "The ledger's tree is not that large",
        "The request names a tree size larger than the ledger has sealed so far. Ask for a size no larger than the latest checkpoint's (GET /api/ledger/checkpoint), or retry once the ledger has grown.");

    public static RouteGroupBuilder MapLedgerApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(KeyPath, GetKey).WithTags("Ledger").WithName("GetLedgerKey")
            .WithSummary("The ledger's public verifier key (text/plain, one line: name+keyhash+base64 key), as a verifier trusts it.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithResponseExample(StatusCodes.Status200OK, LedgerExamples.VerifierKey, "text/plain");

        var group = app.MapGroup("/api/ledger").WithTags("Ledger");
        group.MapGet("/checkpoint", GetCheckpointAsync).WithName("GetLedgerCheckpoint")
            .WithSummary("The latest signed checkpoint: the signed note as text/plain (docs/ledger.md), or its fields as JSON when Accept asks for application/json.")
            .Produces<CheckpointResponse>(StatusCodes.Status200OK, "text/plain", "application/json")
            .WithResponseExample(StatusCodes.Status200OK, LedgerExamples.CheckpointNote, "text/plain")
            .WithExamples(response: LedgerExamples.Checkpoint);
        group.MapGet("/leaves/{index}", GetLeafAsync).WithName("GetLedgerLeaf")
            .WithSummary("One leaf by its index: the event it seals (position, id) and its leaf hash.")
            .Produces<LeafResponse>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: LedgerExamples.Leaf);
        group.MapGet("/leaves", FindLeafAsync).WithName("FindLedgerLeaf")
            .WithSummary("The leaf sealing the event at a position (its sequence number).")
            .Produces<LeafResponse>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: LedgerExamples.Leaf);
        group.MapGet("/proofs/inclusion", InclusionAsync).WithName("GetLedgerInclusionProof")
            .WithSummary("Proof that a leaf (by index, or by its event's position) is in the tree of treeSize leaves (default: the latest checkpoint's): O(log n) hashes.")
            .Produces<InclusionProofResponse>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithExamples(response: LedgerExamples.Inclusion);
        group.MapGet("/proofs/consistency", ConsistencyAsync).WithName("GetLedgerConsistencyProof")
            .WithSummary("Proof that the tree of 'from' leaves is a prefix of the tree of 'to' leaves (default: the latest checkpoint's): O(log n) hashes.")
            .Produces<ConsistencyProofResponse>().ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithExamples(response: LedgerExamples.Consistency);
        return group;
    }

    private static ContentHttpResult GetKey(LedgerSigningKey key, HttpResponse response)
    {
        // The key changes only if its file is replaced, which means a restart; an hour's caching is safe and spares the server.
        response.Headers.CacheControl = "public, max-age=3600";
        return TypedResults.Text(key.VerifierKey + "\n", TextPlain);
    }

    private static async Task<IResult> GetCheckpointAsync(LedgerQueries queries, LedgerSigningKey key, HttpRequest request, HttpResponse response,
        CancellationToken cancellationToken)
    {
        var checkpoint = await queries.LatestCheckpointAsync(cancellationToken);
        response.Headers.Vary = "Accept";
        if (!WantsJson(request))
            return TypedResults.Text(checkpoint.Note, TextPlain);
        var (keyId, signature) = SignatureOf(checkpoint.Note, key.Name);
        return TypedResults.Ok(new CheckpointResponse(key.Name, checkpoint.TreeSize, Convert.ToBase64String(checkpoint.RootHash), key.Name, keyId, signature,
            checkpoint.Note));
    }

    private static async Task<IResult> GetLeafAsync(string index, LedgerQueries queries, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!TryNumber(index, out var leafIndex))
            return QueryParameters.Bad("index", $"'{index}' is not a leaf index: a whole number from 0.");
        if (await queries.FindLeafAsync(leafIndex, cancellationToken) is not { } leaf)
            return Problems.NotFound($"There is no leaf {leafIndex}: the ledger has fewer leaves.");
        response.Headers.CacheControl = Immutable;
        return TypedResults.Ok(ToResponse(leaf));
    }

    private static async Task<IResult> FindLeafAsync(string? position, LedgerReader reader, HttpResponse response, CancellationToken cancellationToken)
    {
        if (position is null)
            return QueryParameters.Bad("position", "Send 'position', the event's position (sequence number), or use /api/ledger/leaves/{index}.");
        if (!TryNumber(position, out var at))
            return QueryParameters.Bad("position", $"'{position}' is not a position: a whole number from 0.");
        if (await reader.FindLeafByPositionAsync(at, cancellationToken) is not { } leaf)
            return Problems.NotFound($"No event at position {at} is sealed in the ledger (yet).");
        response.Headers.CacheControl = Immutable;
        return TypedResults.Ok(ToResponse(leaf));
    }

    private static async Task<IResult> InclusionAsync(string? index, string? position, string? treeSize, LedgerReader reader, LedgerQueries queries,
        HttpResponse response, CancellationToken cancellationToken)
    {
        if ((index is null) == (position is null))
            return QueryParameters.Bad(index is null ? "index" : "position", "Send exactly one of 'index' (a leaf index) and 'position' (the event's position).");
        var name = index is null ? "position" : "index";
        if (!TryNumber(index ?? position, out var number))
            return QueryParameters.Bad(name, $"'{index ?? position}' is not a valid {name}: a whole number from 0.");
        long? size = null;
        if (treeSize is not null)
        {
            if (!TryNumber(treeSize, out var parsed))
                return QueryParameters.Bad("treeSize", $"'{treeSize}' is not a tree size: a whole number from 0.");
            size = parsed;
        }

        var head = (await reader.GetStateAsync(cancellationToken)).TreeSize;
        if (size > head)
            return BeyondHead(size.Value, head);
        var leaf = index is null ? await reader.FindLeafByPositionAsync(number, cancellationToken) : await queries.FindLeafAsync(number, cancellationToken);
        if (leaf is null)
        {
            return Problems.NotFound(index is null
                ? $"No event at position {number} is sealed in the ledger (yet)."
                : $"There is no leaf {number}: the ledger has {head} leaves.");
        }
        var proveIn = size ?? (await queries.LatestCheckpointAsync(cancellationToken)).TreeSize;
        if (leaf.LeafIndex >= proveIn)
        {
            return Problems.Validation("treeSize", size is null
                ? $"Leaf {leaf.LeafIndex} was sealed after the latest checkpoint ({proveIn} leaves); send a treeSize above {leaf.LeafIndex}, or wait for the next checkpoint."
                : $"Leaf {leaf.LeafIndex} is not in a tree of {proveIn} leaves; send a treeSize above {leaf.LeafIndex}.");
        }
        InclusionProof proof;
        try
        {
            proof = await reader.GetInclusionProofAsync(leaf.LeafIndex, proveIn, cancellationToken);
        }
        catch (ArgumentOutOfRangeException)
        {
            return BeyondHead(proveIn, head);
        }
        if (size is not null)
            response.Headers.CacheControl = Immutable;
        return TypedResults.Ok(new InclusionProofResponse(proof.LeafIndex, proof.TreeSize, proof.Hashes.Select(Convert.ToBase64String).ToList(),
            leaf.Position, Convert.ToBase64String(leaf.LeafHash)));
    }

    private static async Task<IResult> ConsistencyAsync(string? from, string? to, LedgerReader reader, LedgerQueries queries, HttpResponse response,
        CancellationToken cancellationToken)
    {
        if (from is null)
            return QueryParameters.Bad("from", "Send 'from', the size of the tree you kept (your checkpoint's second line).");
        if (!TryNumber(from, out var first))
            return QueryParameters.Bad("from", $"'{from}' is not a tree size: a whole number from 0.");
        long? second = null;
        if (to is not null)
        {
            if (!TryNumber(to, out var parsed))
                return QueryParameters.Bad("to", $"'{to}' is not a tree size: a whole number from 0.");
            second = parsed;
        }

        var head = (await reader.GetStateAsync(cancellationToken)).TreeSize;
        var largest = Math.Max(first, second ?? 0);
        if (largest > head)
            return BeyondHead(largest, head);
        var newer = second ?? (await queries.LatestCheckpointAsync(cancellationToken)).TreeSize;
        if (first > newer)
            return Problems.Validation("from", $"A tree of {first} leaves cannot be a prefix of one of {newer}: 'from' must not exceed 'to'.");
        ConsistencyProof proof;
        try
        {
            proof = await reader.GetConsistencyProofAsync(first, newer, cancellationToken);
        }
        catch (ArgumentOutOfRangeException)
        {
            return BeyondHead(newer, head);
        }
        if (second is not null)
            response.Headers.CacheControl = Immutable;
        return TypedResults.Ok(new ConsistencyProofResponse(proof.FirstSize, proof.SecondSize, proof.Hashes.Select(Convert.ToBase64String).ToList()));
    }

    private static ProblemHttpResult BeyondHead(long size, long head) =>
        Problems.Of(BeyondTreeHead, $"The ledger has {head} leaves; there is no tree of {size} yet.",
            new Dictionary<string, object?> { ["treeSize"] = head });

    private static LeafResponse ToResponse(LedgerLeaf leaf) => new(leaf.LeafIndex, leaf.Position, leaf.EventId, Convert.ToBase64String(leaf.LeafHash));

    // Digits only: a sign, spaces or a fraction make the value malformed rather than quietly read.
    private static bool TryNumber(string? text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    // Text is the checkpoint's own form; JSON only when the client ranks application/json above text/plain.
    private static bool WantsJson(HttpRequest request)
    {
        double json = 0, text = 0;
        foreach (var media in request.GetTypedHeaders().Accept)
        {
            var quality = media.Quality ?? 1;
            if (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
                json = Math.Max(json, quality);
            else if (media.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase))
                text = Math.Max(text, quality);
        }
        return json > text;
    }

    /// <summary>The key id (hex) and signature (base64) of <paramref name="keyName"/>'s signature line in <paramref name="note"/>.</summary>
    internal static (string KeyId, string Signature) SignatureOf(string note, string keyName)
    {
        var prefix = "\u2014 " + keyName + " ";
        var line = note.Split('\n').First(l => l.StartsWith(prefix, StringComparison.Ordinal));
        var blob = Convert.FromBase64String(line[prefix.Length..]);
        return (Convert.ToHexStringLower(blob.AsSpan(0, 4)), Convert.ToBase64String(blob.AsSpan(4)));
    }
}
