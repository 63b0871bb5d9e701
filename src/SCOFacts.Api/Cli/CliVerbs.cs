using Microsoft.Extensions.Logging.Console;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Cli;

/// <summary>
/// A command-line verb: <c>dotnet run --project src/SCOFacts.Api -- NAME ARGS...</c>. A verb runs in a host of its
/// own with the application's configuration and database (a local cluster when no connection string is set,
/// migrated), then exits with the code it returns.
/// </summary>
public interface ICliVerb
{
    /// <summary>The first argument that selects this verb, e.g. <c>keys</c>.</summary>
    string Name { get; }

    /// <summary>One or more lines of usage, shown by <c>help</c> and after a usage error.</summary>
    string Usage { get; }

    /// <summary>Whether these arguments need the database (a local cluster is started for it when none is configured).</summary>
    bool UsesDatabase(IReadOnlyList<string> arguments) => true;

    /// <summary>Registers the services the verb needs beyond the database.</summary>
    void ConfigureServices(IHostApplicationBuilder builder)
    {
    }

    /// <summary>Runs the verb with the arguments after its name; returns the process exit code.</summary>
    Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken);
}

/// <summary>What a running verb works with.</summary>
/// <param name="Services">The verb's host's services (the database, and whatever <see cref="ICliVerb.ConfigureServices"/> added).</param>
/// <param name="Out">Where results go (standard output).</param>
/// <param name="Error">Where errors go (standard error).</param>
public sealed record CliContext(IServiceProvider Services, TextWriter Out, TextWriter Error);

/// <summary>How <see cref="CliVerbs.TryRunAsync"/> runs a verb; the defaults suit <c>Program</c>, tests change them.</summary>
public sealed class CliOptions
{
    public TextWriter Out { get; init; } = Console.Out;

    public TextWriter Error { get; init; } = Console.Error;

    /// <summary>Adjusts the verb's host (tests add configuration here, the connection string for one).</summary>
    public Action<IHostApplicationBuilder>? ConfigureHost { get; init; }
}

/// <summary>The command-line verbs and their dispatch.</summary>
public static class CliVerbs
{
    private static readonly List<ICliVerb> Verbs = [new KeysVerb(), new LedgerVerb()];
    private static readonly Lock Gate = new();

    /// <summary>Exit codes: success, a failure while running (a check found a problem, a record was rejected), a usage error.</summary>
    public const int Success = 0, Failure = 1, UsageError = 2;

    /// <summary>Exit code: the database could not be found or reached.</summary>
    public const int NoDatabase = 3;

    /// <summary>The registered verbs.</summary>
    public static IReadOnlyList<ICliVerb> Registered
    {
        get
        {
            lock (Gate)
                return [.. Verbs];
        }
    }

    /// <summary>Registers a verb (seeds, import, projections, audit...); call it before <see cref="TryRunAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">Another verb has the same name.</exception>
    public static void Register(ICliVerb verb)
    {
        ArgumentNullException.ThrowIfNull(verb);
        lock (Gate)
        {
            if (Verbs.Any(v => string.Equals(v.Name, verb.Name, StringComparison.Ordinal)))
                throw new InvalidOperationException($"A CLI verb named '{verb.Name}' is already registered.");
            Verbs.Add(verb);
        }
    }

    /// <summary>
    /// Runs the verb <paramref name="args"/> names and returns its exit code, or null when the arguments are host
    /// options (none, or options such as <c>--urls</c> or <c>urls=...</c>), so that the caller starts the web host.
    /// A first argument that is neither a verb nor an option is a mistyped verb: the help goes to standard error and
    /// the exit code is <see cref="UsageError"/>, rather than a second server starting on the same data.
    /// </summary>
    public static async Task<int?> TryRunAsync(string[] args, CliOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        options ??= new CliOptions();
        if (args.Length == 0)
            return null;
        if (args[0] is "help" or "--help" or "-h")
        {
            if (args.Length > 1)
                return await VerbHelpAsync(args[1], options);
            await WriteHelpAsync(options.Out);
            return Success;
        }
        if (IsHostOption(args[0]))
            return null;
        var verb = Registered.FirstOrDefault(v => string.Equals(v.Name, args[0], StringComparison.Ordinal));
        if (verb is null)
        {
            await options.Error.WriteLineAsync($"Unknown verb '{args[0]}'.");
            await WriteHelpAsync(options.Error);
            return UsageError;
        }
        var arguments = args[1..];
        if (arguments.Any(a => a is "--help" or "-h"))
        {
            await WriteVerbHelpAsync(options.Out, verb);
            return Success;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        // Standard output is the verb's; the host's own messages go to standard error, warnings only.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        // Console-specific rules outrank appsettings' general Logging:LogLevel ones.
        builder.Logging.AddFilter<ConsoleLoggerProvider>(category: null, LogLevel.Warning);
        builder.Logging.AddFilter<ConsoleLoggerProvider>(typeof(ScoFactsDatabase).FullName, LogLevel.Information);
        // A failed start is reported below in one sentence, not as the host's stack trace.
        builder.Logging.AddFilter<ConsoleLoggerProvider>("Microsoft.Extensions.Hosting", LogLevel.None);
        if (verb.UsesDatabase(arguments))
        {
            builder.AddScoFactsDatabase();
            // A verb works on the store the API serves; it never creates an empty one where it happens to run.
            builder.Services.PostConfigure<LocalDatabaseOptions>(o => o.CreateIfMissing = false);
        }
        verb.ConfigureServices(builder);
        options.ConfigureHost?.Invoke(builder);

        using var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (LocalDatabaseMissingException e)
        {
            await options.Error.WriteLineAsync(e.Message);
            await options.Error.WriteLineAsync(
                "Run the verb from the folder the API runs in, or point LocalDatabase__Folder at the API's data folder " +
                "(or ConnectionStrings__SCOFacts at its server). Nothing was created.");
            await StopQuietlyAsync(host);
            return NoDatabase;
        }
        catch (Npgsql.NpgsqlException e)
        {
            await options.Error.WriteLineAsync($"The database could not be reached: {e.Message}");
            await StopQuietlyAsync(host);
            return NoDatabase;
        }
        try
        {
            return await verb.RunAsync(new CliContext(host.Services, options.Out, options.Error), arguments, cancellationToken);
        }
        catch (CliUsageException e)
        {
            await options.Error.WriteLineAsync(e.Message);
            await options.Error.WriteLineAsync("Usage:");
            await options.Error.WriteLineAsync(verb.Usage);
            return UsageError;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    // Host options reach the web host: --urls x, /urls x, urls=x.
    private static bool IsHostOption(string argument) =>
        argument.StartsWith('-') || argument.StartsWith('/') || argument.Contains('=', StringComparison.Ordinal);

    private static async Task StopQuietlyAsync(IHost host)
    {
        // The database service stops a cluster it started even when start-up failed half way.
        try
        {
            await host.StopAsync(CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Nothing had started.
        }
    }

    private static async Task<int> VerbHelpAsync(string name, CliOptions options)
    {
        if (Registered.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.Ordinal)) is { } verb)
        {
            await WriteVerbHelpAsync(options.Out, verb);
            return Success;
        }
        await options.Error.WriteLineAsync($"Unknown verb '{name}'.");
        await WriteHelpAsync(options.Error);
        return UsageError;
    }

    private static async Task WriteVerbHelpAsync(TextWriter output, ICliVerb verb)
    {
        await output.WriteLineAsync("Usage:");
        await output.WriteLineAsync(verb.Usage);
        await output.WriteLineAsync();
        await output.WriteLineAsync(ExitCodes);
    }

    private const string ExitCodes = """
        Exit codes: 0 done; 1 the verb ran and found a problem (a broken chain, a rejected record, a difference);
        2 wrong arguments or an unknown verb; 3 no database where the settings point (nothing is created), or it cannot be reached.
        Results go to standard output; errors and progress to standard error.
        """;

    private static async Task WriteHelpAsync(TextWriter output)
    {
        await output.WriteLineAsync("SCOFacts API. With no verb (or only host options such as --urls), serves the API.");
        await output.WriteLineAsync("Usage: SCOFacts.Api [VERB ARGS... | help [VERB] | VERB --help]");
        await output.WriteLineAsync("Verbs:");
        foreach (var verb in Registered)
            await output.WriteLineAsync(verb.Usage);
        await output.WriteLineAsync();
        await output.WriteLineAsync("A verb uses the API's settings and its database: the same connection string, or the local cluster in");
        await output.WriteLineAsync("LocalDatabase:Folder (.data/postgres) under the current folder. Run verbs from the folder the API runs in.");
        await output.WriteLineAsync();
        await output.WriteLineAsync(ExitCodes);
    }
}

/// <summary>Wrong arguments for a verb: the message is shown with the verb's usage, and the exit code is 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>Reads <c>--name value</c> options and positional arguments.</summary>
public static class CliArguments
{
    /// <summary>The value after <paramref name="option"/>, or null when it is absent.</summary>
    /// <exception cref="CliUsageException">The option is last, with no value.</exception>
    public static string? Option(IReadOnlyList<string> arguments, string option)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        for (var i = 0; i < arguments.Count; i++)
        {
            if (!string.Equals(arguments[i], option, StringComparison.Ordinal))
                continue;
            if (i + 1 >= arguments.Count)
                throw new CliUsageException($"{option} needs a value.");
            return arguments[i + 1];
        }
        return null;
    }

    /// <summary>The value after <paramref name="option"/>.</summary>
    /// <exception cref="CliUsageException">The option is missing.</exception>
    public static string RequiredOption(IReadOnlyList<string> arguments, string option) =>
        Option(arguments, option) ?? throw new CliUsageException($"{option} is required.");
}
