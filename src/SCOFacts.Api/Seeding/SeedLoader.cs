using Npgsql;
using SCOFacts.Api.Application;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Seeding;

/// <summary>Counts of what a load or import did.</summary>
public sealed record LoadSummary(int Recorded, int Skipped, IReadOnlyList<string> Rejected)
{
    public override string ToString() => $"{Recorded} recorded, {Skipped} skipped as duplicates, {Rejected.Count} rejected";
}

/// <summary>
/// Loads the seed set through the same command path as HTTP writes, as principal
/// <c>seed-import</c>, so the seeded history is ordinary, auditable events. Every command
/// carries an idempotency key derived from its seed id: a second load, or a restart after a
/// crash half-way, stores nothing twice.
/// </summary>
public sealed partial class SeedLoader(FactsDesk desk, NpgsqlDataSource dataSource, ILogger<SeedLoader> logger)
{
    public const string Principal = "seed-import";

    /// <summary>True once a complete load has been recorded in this database.</summary>
    public async Task<bool> IsLoadedAsync(string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM seed_loads WHERE name = $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>
    /// Loads sources, their documents (from <paramref name="documentsFolder"/>, when given: before any claim, so that every
    /// seeded quote is checked), facts, claims and actions; records <paramref name="name"/> once nothing was rejected.
    /// </summary>
    public async Task<LoadSummary> LoadAsync(SeedSet seeds, string name, Action<string>? progress = null, CancellationToken cancellationToken = default,
        string? documentsFolder = null)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var tally = new Tally();
        foreach (var s in seeds.Sources)
        {
            await tally.CountAsync($"source {s.Id}", desk.RunAsync(
                new RegisterSource(s.Id, s.Title, s.Publisher, s.Author, s.Url, s.PublishedOn, s.Kind, s.Language, s.Document, s.Sha256, s.Note, Principal),
                Metadata($"seed:source:{s.Id}"), cancellationToken: cancellationToken));
        }
        progress?.Invoke($"sources: {seeds.Sources.Count}");
        if (documentsFolder is not null)
        {
            var attached = await AttachDocumentsAsync(seeds, documentsFolder, cancellationToken);
            tally.Add(attached);
            progress?.Invoke($"documents: {attached.Recorded} attached from {documentsFolder}");
        }
        foreach (var f in seeds.Facts)
        {
            await tally.CountAsync($"fact {f.Id}", desk.RunAsync(
                new DefineFact(f.Id, f.Subject, f.Property, f.Qualifiers, f.ValueType, f.Unit, f.AllowedStatuses, f.Description, Principal),
                Metadata($"seed:fact:{f.Id}"), cancellationToken: cancellationToken));
        }
        progress?.Invoke($"facts: {seeds.Facts.Count}");
        var recorded = await RecordClaimsAsync(seeds.Claims.Select((c, i) => (i + 1, (SeedClaim?)c, (string?)null)), "seed", progress, cancellationToken);
        tally.Add(recorded);

        var factOfClaim = seeds.Claims.ToDictionary(c => c.Id, c => c.Fact, StringComparer.Ordinal);
        foreach (var a in seeds.Actions)
        {
            var metadata = Metadata($"seed:action:{a.Id}") with { Principal = a.Principal ?? Principal, Reason = a.Reason ?? a.Note };
            if (a.Type == "rate")
            {
                await tally.CountAsync($"action {a.Id}", desk.RunAsync(
                    new RateSource(a.Source ?? "", a.Reliability ?? double.NaN, a.Reason ?? a.Note ?? "", metadata.Principal), metadata,
                    cancellationToken: cancellationToken));
            }
            else
            {
                await tally.CountAsync($"action {a.Id}", desk.RunAsync(FactCommand(a, factOfClaim, metadata.Principal), metadata,
                    cancellationToken: cancellationToken));
            }
        }
        progress?.Invoke($"actions: {seeds.Actions.Count}");

        if (tally.Rejected.Count == 0)
        {
            await using var command = dataSource.CreateCommand("INSERT INTO seed_loads (name) VALUES ($1) ON CONFLICT DO NOTHING");
            command.Parameters.Add(new NpgsqlParameter { Value = name });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        var summary = tally.Summary();
        LogLoaded(logger, name, summary.ToString());
        return summary;
    }

    /// <summary>
    /// Attaches each seed source's document from <paramref name="folder"/> when the file is there and its SHA-256 is the one
    /// the source records. A missing file or another digest is reported and the source left without a document.
    /// </summary>
    public async Task<LoadSummary> AttachDocumentsAsync(SeedSet seeds, string folder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var tally = new Tally();
        foreach (var s in seeds.Sources)
        {
            if (s.Document is null || s.Sha256 is null) continue;
            var path = Path.Combine(folder, s.Document);
            if (!File.Exists(path))
            {
                LogDocumentMissing(logger, s.Id, path);
                continue;
            }
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            if (!string.Equals(digest, s.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                LogDocumentDigest(logger, s.Id, path, digest, s.Sha256);
                continue;
            }
            await tally.CountAsync($"document of {s.Id}", desk.RunAsync(
                new AttachSourceDocument(s.Id, System.Text.Encoding.UTF8.GetString(bytes), Principal),
                Metadata($"seed:document:{s.Id}"), cancellationToken: cancellationToken));
        }
        return tally.Summary();
    }

    /// <summary>Records claims (from the seeds or an import file); a claim id already recorded counts as a duplicate.</summary>
    public async Task<LoadSummary> RecordClaimsAsync(IEnumerable<(int Line, SeedClaim? Claim, string? Error)> claims, string keyPrefix,
        Action<string>? progress, CancellationToken cancellationToken)
    {
        var tally = new Tally();
        var seen = 0;
        foreach (var (line, claim, error) in claims)
        {
            seen++;
            if (claim is null)
            {
                tally.Rejected.Add($"line {line}: {error}");
                continue;
            }
            await tally.CountAsync($"claim {claim.Id}", desk.RunAsync(
                new RecordClaim(claim.Fact, claim.Id, claim.Source, claim.Value, claim.ValidTime, claim.Quote, claim.Locator, claim.Note, Principal),
                Metadata($"{keyPrefix}:claim:{claim.Id}"), cancellationToken: cancellationToken));
            if (seen % 25 == 0) progress?.Invoke($"claims: {seen}…");
        }
        progress?.Invoke($"claims: {seen}");
        return tally.Summary();
    }

    private static IFactCommand FactCommand(SeedAction a, Dictionary<string, string> factOfClaim, string principal)
    {
        var claim = a.Claim ?? "";
        var fact = factOfClaim.GetValueOrDefault(claim, "");
        return a.Type switch
        {
            "dispute" => new DisputeClaim(fact, claim, a.Dispute ?? "", a.Reason ?? "",
                a.CounterEvidence is { } e ? new CounterEvidence(e.Source, e.Quote) : null, principal),
            "uphold" => new UpholdDispute(fact, claim, a.Dispute ?? "", principal, a.Note),
            "reject" => new RejectDispute(fact, claim, a.Dispute ?? "", principal, a.Note),
            "endorse" => new EndorseClaim(fact, claim, principal, a.Note),
            "retract" => new RetractClaim(fact, claim, principal, a.Reason ?? a.Note ?? ""),
            _ => throw new InvalidDataException($"Action {a.Id}: unknown type '{a.Type}'."),
        };
    }

    private static EventMetadata Metadata(string key) => new(Principal, Guid.NewGuid().ToString("N"), IdempotencyKey: key);

    private sealed class Tally
    {
        private int _recorded;
        private int _skipped;

        public List<string> Rejected { get; } = [];

        public async Task CountAsync<T>(string what, Task<DeskResult<T>> run)
        {
            var result = await run;
            if (result.Duplicate || result.Rejection?.Code is "claim-exists" or "source-exists" or "fact-exists") _skipped++;
            else if (result.Rejection is { } r) Rejected.Add($"{what}: {r.Code}: {r.Message}");
            else _recorded++;
        }

        public void Add(LoadSummary summary)
        {
            _recorded += summary.Recorded;
            _skipped += summary.Skipped;
            Rejected.AddRange(summary.Rejected);
        }

        public LoadSummary Summary() => new(_recorded, _skipped, Rejected);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {SourceId}: no document at {Path}; its claims' quotes are not checked")]
    private static partial void LogDocumentMissing(ILogger logger, string sourceId, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {SourceId}: {Path} has SHA-256 {Digest}, the source records {Recorded}; not attached")]
    private static partial void LogDocumentDigest(ILogger logger, string sourceId, string path, string digest, string recorded);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seed set {Name}: {Summary}")]
    private static partial void LogLoaded(ILogger logger, string name, string summary);
}
