using Microsoft.Extensions.Configuration;
using SCOFacts.Api.Cli;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Tests;

/// <summary>Runs a command-line verb in this process, as <c>dotnet run -- VERB …</c> would, and captures what it wrote.</summary>
internal static class CliRun
{
    /// <summary>Runs <paramref name="args"/> with <paramref name="settings"/> laid over the application's configuration (none: as configured).</summary>
    public static async Task<(int? ExitCode, string Out, string Error)> InProcessAsync(IDictionary<string, string?>? settings, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CliVerbs.TryRunAsync(args, new CliOptions
        {
            Out = output,
            Error = error,
            ConfigureHost = settings is null ? null : host => host.Configuration.AddInMemoryCollection(settings),
        });
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs <paramref name="args"/> against the database <paramref name="connectionString"/> names.</summary>
    public static Task<(int? ExitCode, string Out, string Error)> AgainstAsync(string connectionString, params string[] args) =>
        InProcessAsync(new Dictionary<string, string?> { [$"ConnectionStrings:{ScoFactsDatabase.ConnectionStringName}"] = connectionString }, args);
}
