using Npgsql;
using SCOFacts.Api.Application;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Seeding;

/// <summary>Counts of what a load or import did.</summary>
/// <param name="Recorded">Items stored now.</param>
/// <param name="Skipped">Items already stored with the same content.</param>
/// <param name="Rejected">Items refused, each with its line or id and why.</param>
/// <param name="Conflicts">Items whose id is already stored with different content, each with its line and what differs.</param>
public sealed record LoadSummary(int Recorded, int Skipped, IReadOnlyList<string> Rejected, IReadOnlyList<string> Conflicts)
{
    /// <summary>True when nothing was refused and no id clashed.</summary>
    public bool Clean => Rejected.Count == 0 && Conflicts.Count == 0;

    public override string ToString() =>
        $"{Recorded} recorded, {Skipped} skipped as duplicates, {Conflicts.Count} conflicts, {Rejected.Count} rejected";
}

/// <summary>One item of an import file: a source, a fact or a claim in the seeds' format, or why its line could not be read.</summary>
public sealed record ImportItem(int Line, SeedSource? Source, SeedFact? Fact, SeedClaim? Claim, string? Error);

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
    /// <paramref name="progress"/> hears how many of the set's <see cref="SeedSet.ItemCount"/> items are done after each one.
    /// </summary>
    public async Task<LoadSummary> LoadAsync(SeedSet seeds, string name, IProgress<long>? progress = null, CancellationToken cancellationToken = default,
        string? documentsFolder = null)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var tally = new Tally();
        var done = 0L;
        foreach (var s in seeds.Sources)
        {
            await tally.CountAsync($"source {s.Id}", desk.RunAsync(
                new RegisterSource(s.Id, s.Title, s.Publisher, s.Author, s.Url, s.PublishedOn, s.Kind, s.Language, s.Document, s.Sha256, s.Note, Principal),
                Metadata($"seed:source:{s.Id}"), cancellationToken: cancellationToken));
            progress?.Report(++done);
        }
        if (documentsFolder is not null)
            tally.Add(await AttachDocumentsAsync(seeds, documentsFolder, cancellationToken));
        foreach (var f in seeds.Facts)
        {
            await tally.CountAsync($"fact {f.Id}", desk.RunAsync(
                new DefineFact(f.Id, f.Subject, f.Property, f.Qualifiers, f.ValueType, f.Unit, f.AllowedStatuses, f.Description, Principal),
                Metadata($"seed:fact:{f.Id}"), cancellationToken: cancellationToken));
            progress?.Report(++done);
        }
        var recorded = await ImportAsync(seeds.Claims.Select((c, i) => new ImportItem(i + 1, null, null, c, null)).ToList(), "seed", Principal,
            progress is null ? null : new Offset(progress, done), cancellationToken);
        tally.Add(recorded);
        done += seeds.Claims.Count;

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
            progress?.Report(++done);
        }

        if (tally.Rejected.Count == 0 && tally.Conflicts.Count == 0)
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

    /// <summary>
    /// Records sources, facts and claims (from the seeds or an import file), in order, as <paramref name="principal"/>. An id already
    /// stored with the same content is a duplicate; with different content it is a conflict, reported with its line.
    /// <paramref name="progress"/> hears how many of the items are done after each one.
    /// </summary>
    public async Task<LoadSummary> ImportAsync(IReadOnlyList<ImportItem> items, string keyPrefix, string principal,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var tally = new Tally();
        var done = 0L;
        foreach (var item in items)
        {
            var metadata = Metadata($"{keyPrefix}:{KindOf(item)}:{IdOf(item)}") with { Principal = principal };
            switch (item)
            {
                case { Source: { } s }:
                {
                    var result = await desk.RunAsync(new RegisterSource(s.Id, s.Title, s.Publisher, s.Author, s.Url, s.PublishedOn, s.Kind, s.Language,
                        s.Document, s.Sha256, s.Note, principal), metadata, cancellationToken: cancellationToken);
                    tally.Count($"line {item.Line}: source {s.Id}", result, SourceDifference(s, result.State));
                    break;
                }
                case { Fact: { } f }:
                {
                    var result = await desk.RunAsync(new DefineFact(f.Id, f.Subject, f.Property, f.Qualifiers, f.ValueType, f.Unit, f.AllowedStatuses,
                        f.Description, principal), metadata, cancellationToken: cancellationToken);
                    tally.Count($"line {item.Line}: fact {f.Id}", result, FactDifference(f, result.State));
                    break;
                }
                case { Claim: { } c }:
                {
                    var result = await desk.RunAsync(new RecordClaim(c.Fact, c.Id, c.Source, c.Value, c.ValidTime, c.Quote, c.Locator, c.Note, principal),
                        metadata, cancellationToken: cancellationToken);
                    tally.Count($"line {item.Line}: claim {c.Id}", result, ClaimDifference(c, result.State));
                    break;
                }
                default:
                    tally.Rejected.Add($"line {item.Line}: {item.Error}");
                    break;
            }
            progress?.Report(++done);
        }
        return tally.Summary();
    }

    private static string KindOf(ImportItem item) => item.Source is not null ? "source" : item.Fact is not null ? "fact" : "claim";

    private static string IdOf(ImportItem item) => item.Source?.Id ?? item.Fact?.Id ?? item.Claim?.Id ?? item.Line.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>What differs between an import line and the claim stored under its id; null when they agree or nothing is stored.</summary>
    private static Func<string?> ClaimDifference(SeedClaim c, FactState state) => () =>
    {
        if (!state.Claims.TryGetValue(c.Id, out var stored)) return $"the id is used in another fact than {c.Fact}";
        var differences = new List<string>();
        if (stored.SourceId != c.Source) differences.Add($"source {stored.SourceId} stored, {c.Source} here");
        // A corrected claim's value is the editor's; the line holds what was first recorded.
        if (stored.CorrectionCount == 0 && !Equals(stored.Value, c.Value)) differences.Add("value");
        if (!Equals(stored.ValidTime, c.ValidTime)) differences.Add("validTime");
        if (stored.Quote != c.Quote) differences.Add("quote");
        if (c.Locator is not null && !Equals(stored.Locator, c.Locator)) differences.Add("locator");
        if (c.Note is not null && stored.Note != c.Note) differences.Add("note");
        return differences.Count == 0 ? null : string.Join(", ", differences) + " differ";
    };

    private static Func<string?> FactDifference(SeedFact f, FactState state) => () =>
    {
        if (state.Definition is not { } d) return null;
        var differences = new List<string>();
        if (d.Subject != f.Subject || d.Property != f.Property) differences.Add("subject or property");
        if (!string.Equals(Wire.Name(d.ValueType), f.ValueType, StringComparison.Ordinal)) differences.Add("valueType");
        if (d.Unit != f.Unit) differences.Add("unit");
        if (!d.Qualifiers.OrderBy(q => q.Key).SequenceEqual((f.Qualifiers ?? []).OrderBy(q => q.Key))) differences.Add("qualifiers");
        if (d.Description != f.Description) differences.Add("description");
        return differences.Count == 0 ? null : string.Join(", ", differences) + " differ";
    };

    private static Func<string?> SourceDifference(SeedSource s, SourceState state) => () =>
    {
        if (!state.IsRegistered) return null;
        var differences = new List<string>();
        if (state.Title != s.Title.Trim()) differences.Add("title");
        if (state.Publisher != s.Publisher.Trim()) differences.Add("publisher");
        if (!Equals(state.PublishedOn, s.PublishedOn)) differences.Add("publishedOn");
        if (state.Url != s.Url) differences.Add("url");
        if (!string.Equals(state.Sha256, s.Sha256, StringComparison.OrdinalIgnoreCase)) differences.Add("sha256");
        return differences.Count == 0 ? null : string.Join(", ", differences) + " differ";
    };

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

    /// <summary>Progress of a part of a load, counted on from the items done before it.</summary>
    private sealed class Offset(IProgress<long> whole, long before) : IProgress<long>
    {
        public void Report(long value) => whole.Report(before + value);
    }

    private sealed class Tally
    {
        private int _recorded;
        private int _skipped;

        public List<string> Rejected { get; } = [];

        public List<string> Conflicts { get; } = [];

        public async Task CountAsync<T>(string what, Task<DeskResult<T>> run) => Count(what, await run, null);

        /// <summary>Counts one outcome; an id already taken is a duplicate when <paramref name="difference"/> finds nothing, else a conflict.</summary>
        public void Count<T>(string what, DeskResult<T> result, Func<string?>? difference)
        {
            if (result.Duplicate || result.Rejection?.Code is "claim-exists" or "source-exists" or "fact-exists")
            {
                if (difference?.Invoke() is { } differs) Conflicts.Add($"{what}: already stored with different content ({differs})");
                else _skipped++;
            }
            else if (result.Rejection is { } r) Rejected.Add($"{what}: {r.Code}: {r.Message}");
            else _recorded++;
        }

        public void Add(LoadSummary summary)
        {
            _recorded += summary.Recorded;
            _skipped += summary.Skipped;
            Rejected.AddRange(summary.Rejected);
            Conflicts.AddRange(summary.Conflicts);
        }

        public LoadSummary Summary() => new(_recorded, _skipped, Rejected, Conflicts);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {SourceId}: no document at {Path}; its claims' quotes are not checked")]
    private static partial void LogDocumentMissing(ILogger logger, string sourceId, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {SourceId}: {Path} has SHA-256 {Digest}, the source records {Recorded}; not attached")]
    private static partial void LogDocumentDigest(ILogger logger, string sourceId, string path, string digest, string recorded);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seed set {Name}: {Summary}")]
    private static partial void LogLoaded(ILogger logger, string name, string summary);
}
