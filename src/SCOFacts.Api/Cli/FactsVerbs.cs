using SCOFacts.Api.Application;
using SCOFacts.Api.Jobs;
using SCOFacts.Api.Storage;
using SCOFacts.Api.ReadModels;
using SCOFacts.Api.Seeding;
using SCOFacts.EventStore.Projections;

namespace SCOFacts.Api.Cli;

/// <summary>The verbs of the facts application: seeds, import, projections, schema.</summary>
public static class FactsVerbs
{
    // Lazy is thread-safe: test hosts start Program concurrently in one process.
    private static readonly Lazy<bool> Registration = new(() =>
    {
        CliVerbs.Register(new SeedsVerb());
        CliVerbs.Register(new ImportVerb());
        CliVerbs.Register(new ProjectionsVerb());
        CliVerbs.Register(new SchemaVerb());
        CliVerbs.Register(new MessagingVerb());
        return true;
    });

    /// <summary>Registers the verbs, once per process (the test host runs Program more than once).</summary>
    public static void Register() => _ = Registration.Value;
}

/// <summary>A verb that needs the facts services (event store, desk, readers) in its host.</summary>
internal abstract class FactsVerb : ICliVerb
{
    public abstract string Name { get; }

    public virtual bool UsesDatabase(IReadOnlyList<string> arguments) => true;

    public abstract string Usage { get; }

    public void ConfigureServices(IHostApplicationBuilder builder) => builder.Services.AddScoFactsCore();

    public abstract Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken);
}

/// <summary><c>seeds verify --documents DIR [--seeds DIR]</c> and <c>seeds load [--seeds DIR]</c>.</summary>
internal sealed class SeedsVerb : FactsVerb
{
    public override string Name => "seeds";

    // Checking quotes against documents reads files only: no database is started for it.
    public override bool UsesDatabase(IReadOnlyList<string> arguments) => arguments.Count == 0 || arguments[0] != "verify";

    public override string Usage => """
          seeds verify --documents DIR [--seeds DIR]   check every quote occurs verbatim in its document and every document's SHA-256
          seeds load [--seeds DIR] [--documents DIR]   load the seed set now (idempotent), attaching the sources' documents from DIR
        """;

    public override async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var settings = context.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SeedOptions>>().Value;
        var folder = CliArguments.Option(arguments, "--seeds") ?? settings.Folder;
        var seeds = SeedSet.Load(folder);
        switch (arguments.Count > 0 ? arguments[0] : null)
        {
            case "verify":
            {
                var documents = CliArguments.RequiredOption(arguments, "--documents");
                var problems = SeedVerifier.Verify(seeds, documents);
                foreach (var problem in problems) await context.Error.WriteLineAsync(problem);
                await context.Out.WriteLineAsync(
                    $"{seeds.Sources.Count} sources, {seeds.Facts.Count} facts, {seeds.Claims.Count} claims, {seeds.Actions.Count} actions checked against {documents}: " +
                    (problems.Count == 0 ? "all quotes verbatim, all digests match." : $"{problems.Count} problems."));
                return problems.Count == 0 ? CliVerbs.Success : CliVerbs.Failure;
            }
            case "load":
            {
                var loader = context.Services.GetRequiredService<SeedLoader>();
                var documents = CliArguments.Option(arguments, "--documents")
                    ?? settings.ResolveDocuments(AppContext.BaseDirectory, Directory.GetCurrentDirectory());
                if (documents is null || !Directory.Exists(documents))
                {
                    await context.Error.WriteLineAsync($"No documents folder {(documents is null ? "found (set Seeds:Documents or pass --documents)" : $"at {documents}")}: " +
                        "the sources get no document text and their claims' quotes are not checked.");
                    documents = null;
                }
                // The configured set keeps its configured name; another folder is a set of its own, named after the folder.
                var name = Path.GetFullPath(folder) == Path.GetFullPath(settings.Folder) ? settings.Name
                    : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
                var summary = await loader.LoadAsync(seeds, name, new CliProgress(context.Error, "seeds load", seeds.ItemCount, "items"),
                    cancellationToken, documents);
                foreach (var conflict in summary.Conflicts) await context.Error.WriteLineAsync($"conflict: {conflict}");
                foreach (var rejected in summary.Rejected) await context.Error.WriteLineAsync($"rejected: {rejected}");
                await context.Out.WriteLineAsync($"Seed set '{name}': {summary}");
                return summary.Clean ? CliVerbs.Success : CliVerbs.Failure;
            }
            default:
                throw new CliUsageException("Say 'seeds verify' or 'seeds load'.");
        }
    }
}

/// <summary><c>import FILE</c>: sources, facts and claims as a JSON array or JSON Lines, through the same command path as HTTP.</summary>
internal sealed class ImportVerb : FactsVerb
{
    public override string Name => "import";

    public override string Usage => "  import FILE                                  record the sources, facts and claims in FILE (JSON array or JSON Lines, the seeds' formats)";

    /// <summary>Who ran the import: the operating-system user, as the principal of every event it records.</summary>
    public static string Principal => $"import:{Environment.UserName}";

    public override async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var file = arguments.Count > 0 && !arguments[0].StartsWith("--", StringComparison.Ordinal) ? arguments[0]
            : throw new CliUsageException("Name the file to import.");
        if (!File.Exists(file))
        {
            await context.Error.WriteLineAsync($"No file {file}.");
            return CliVerbs.Failure;
        }
        var items = SeedSet.ReadImportFile(file);
        // The run is a job like an HTTP import, so GET /api/jobs/{id} shows it, its progress while it runs and its result after.
        var job = await context.Services.GetRequiredService<JobStore>().CreateAsync(Guid.CreateVersion7(), JobKinds.Import, Principal,
            $"import {Path.GetFileName(file)} from the command line", "items", items.Count, null, running: true, cancellationToken: cancellationToken);
        await context.Out.WriteLineAsync($"Importing {items.Count} items from {file} as {Principal}: job {job.Id} (GET /api/jobs/{job.Id}).");
        var summary = await context.Services.GetRequiredService<JobRunner>().ImportInPlaceAsync(job.Id, items, Principal,
            new CliProgress(context.Error, "import", items.Count, "items"), cancellationToken);
        foreach (var conflict in summary.Conflicts) await context.Out.WriteLineAsync($"conflict: {conflict}");
        foreach (var rejected in summary.Rejected) await context.Out.WriteLineAsync($"rejected: {rejected}");
        await context.Out.WriteLineAsync(summary.ToString());
        return summary.Clean ? CliVerbs.Success : CliVerbs.Failure;
    }
}

/// <summary><c>projections rebuild [NAME] [--verify]</c>.</summary>
internal sealed class ProjectionsVerb : FactsVerb
{
    public override string Name => "projections";

    public override string Usage => """
          projections rebuild [NAME] [--verify]       rebuild the inline views (all by default) from the log; --verify compares and changes nothing
        """;

    public override async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (arguments.Count == 0 || arguments[0] != "rebuild") throw new CliUsageException("Say 'projections rebuild'.");
        var verify = arguments.Contains("--verify");
        var name = arguments.Skip(1).FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
        var rebuildable = new List<IProjection> { context.Services.GetRequiredService<FactsProjection>() };
        var chosen = name is null ? rebuildable : rebuildable.Where(p => p.Name == name).ToList();
        if (chosen.Count == 0) throw new CliUsageException($"No rebuildable projection '{name}'. Known: {string.Join(", ", rebuildable.Select(p => p.Name))}.");

        var rebuilder = context.Services.GetRequiredService<ViewRebuilder>();
        var events = await CountEventsAsync(context, cancellationToken);
        var differences = 0L;
        foreach (var projection in chosen)
        {
            var progress = new CliProgress(context.Error, $"{(verify ? "verify" : "rebuild")} {projection.Name}", events, "events");
            var report = await rebuilder.RebuildAsync(projection, replace: !verify, progress, cancellationToken);
            progress.Finish(report.EventsReplayed);
            differences += report.DifferenceCount;
            await context.Out.WriteLineAsync(
                $"{projection.Name}: {report.EventsReplayed} events replayed, {report.DifferenceCount} rows differ{(report.Replaced ? ", live rows replaced" : "")}.");
            foreach (var d in report.Differences) await context.Out.WriteLineAsync($"  {d.Table} {d.Side}: {d.Row}");
        }
        return verify && differences > 0 ? CliVerbs.Failure : CliVerbs.Success;
    }

    /// <summary>How many events the log holds: the total that progress is measured against.</summary>
    internal static async Task<long> CountEventsAsync(CliContext context, CancellationToken cancellationToken)
    {
        await using var command = context.Services.GetRequiredService<Npgsql.NpgsqlDataSource>().CreateCommand("select count(*) from mt_events");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
