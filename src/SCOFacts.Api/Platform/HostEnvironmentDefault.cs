using System.Reflection;

namespace SCOFacts.Api.Platform;

/// <summary>
/// The host environment when nobody chose one: Development for a Debug build, Production otherwise. Launch profiles
/// cannot tell <c>dotnet run</c> from <c>dotnet run -c Release</c>, so the build configuration decides instead;
/// an explicit <c>ASPNETCORE_ENVIRONMENT</c>, <c>DOTNET_ENVIRONMENT</c> or <c>--environment</c> always wins.
/// </summary>
public static class HostEnvironmentDefault
{
    /// <summary>
    /// The environment name to impose, or null to leave the choice to the host (an explicit setting, else Production).
    /// </summary>
    public static string? For(Assembly application, IReadOnlyList<string> args, Func<string, string?> environmentVariable)
    {
        ArgumentNullException.ThrowIfNull(application);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environmentVariable);
        if (!string.IsNullOrEmpty(environmentVariable("ASPNETCORE_ENVIRONMENT")) || !string.IsNullOrEmpty(environmentVariable("DOTNET_ENVIRONMENT"))
            || args.Any(a => a.StartsWith("--environment", StringComparison.OrdinalIgnoreCase) || a.StartsWith("environment=", StringComparison.OrdinalIgnoreCase)))
            return null;
        var configuration = application.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
        return string.Equals(configuration, "Debug", StringComparison.OrdinalIgnoreCase) ? Environments.Development : null;
    }
}
