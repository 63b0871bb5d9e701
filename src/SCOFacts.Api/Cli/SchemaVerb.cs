using Marten;
using SCOFacts.Api.Storage;
using Weasel.Core;
using Weasel.Core.Migrations;

namespace SCOFacts.Api.Cli;

/// <summary>
/// <c>schema check</c> and <c>schema export FILE</c>: Marten's own schema tooling over the migrated database.
/// A change to the Marten configuration is released as the next numbered file in <c>migrations/</c>, written
/// by <c>schema export</c>; <c>schema check</c> (and a test) fail while the two disagree.
/// </summary>
internal sealed class SchemaVerb : ICliVerb
{
    public string Name => "schema";

    public string Usage => """
          schema check                                  compare the database with Marten's configuration; exit 1 when they differ
          schema export FILE                            write the SQL that brings the database up to Marten's configuration
        """;

    public void ConfigureServices(IHostApplicationBuilder builder) => builder.Services.AddScoFactsMarten();

    public async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var database = context.Services.GetRequiredService<IDocumentStore>().Storage.Database;
        switch (arguments.Count > 0 ? arguments[0] : null)
        {
            case "check":
                var migration = await database.CreateMigrationAsync(cancellationToken);
                if (migration.Difference == SchemaPatchDifference.None)
                {
                    await context.Out.WriteLineAsync("The database matches Marten's configuration.");
                    return CliVerbs.Success;
                }
                await context.Out.WriteLineAsync($"The database differs from Marten's configuration ({migration.Difference}); run 'schema export' into the next migration.");
                return CliVerbs.Failure;
            case "export" when arguments.Count == 2:
                await database.WriteMigrationFileAsync(arguments[1], cancellationToken);
                await context.Out.WriteLineAsync($"Wrote {Path.GetFullPath(arguments[1])}.");
                return CliVerbs.Success;
            default:
                throw new CliUsageException("Say 'schema check' or 'schema export FILE'.");
        }
    }
}
