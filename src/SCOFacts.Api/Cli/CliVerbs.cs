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
    private static readonly List<ICliVerb> Verbs = [new KeysVerb()];
    private static readonly Lock Gate = new();

    /// <summary>Exit codes: success, a failure while running, a usage error.</summary>
    public const int Success = 0, Failure = 1, UsageError = 2;

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
    /// Runs the verb <paramref name="args"/> names and returns its exit code, or null when the arguments are not a
    /// verb (no arguments, or host options such as <c>--urls</c>), so that the caller starts the web host.
    /// </summary>
    public static async Task<int?> TryRunAsync(string[] args, CliOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        options ??= new CliOptions();
        if (args.Length == 0)
            return null;
        if (args[0] is "help" or "--help" or "-h")
        {
            await WriteHelpAsync(options.Out);
            return Success;
        }
        var verb = Registered.FirstOrDefault(v => string.Equals(v.Name, args[0], StringComparison.Ordinal));
        if (verb is null)
            return null;

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        // Standard output is the verb's; the host's own messages go to standard error, warnings only.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        // Console-specific rules outrank appsettings' general Logging:LogLevel ones.
        builder.Logging.AddFilter<ConsoleLoggerProvider>(category: null, LogLevel.Warning);
        builder.Logging.AddFilter<ConsoleLoggerProvider>(typeof(ScoFactsDatabase).FullName, LogLevel.Information);
        if (verb.UsesDatabase(args[1..]))
            builder.AddScoFactsDatabase();
        verb.ConfigureServices(builder);
        options.ConfigureHost?.Invoke(builder);

        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        try
        {
            return await verb.RunAsync(new CliContext(host.Services, options.Out, options.Error), args[1..], cancellationToken);
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

    private static async Task WriteHelpAsync(TextWriter output)
    {
        await output.WriteLineAsync("SCOFacts API. With no verb, serves the API. Verbs:");
        foreach (var verb in Registered)
            await output.WriteLineAsync(verb.Usage);
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
