using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using SCOFacts.Api.Platform;
using SCOFacts.Api.Tests.Seeding;

namespace SCOFacts.Api.Tests.Newcomer;

/// <summary>What the README and the settings files promise, checked against the code.</summary>
public sealed partial class ReadmeTruthTests
{
    private static string Readme => File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));

    /// <summary>Every setting the application binds: each options class's section and its settable properties, nested ones included.</summary>
    private static HashSet<string> BoundKeys()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal) { $"ConnectionStrings:{ScoFactsDatabase.ConnectionStringName}" };
        foreach (var type in typeof(ScoFactsDatabase).Assembly.GetTypes())
        {
            if (type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is not { IsLiteral: true } section)
                continue;
            AddProperties(keys, (string)section.GetRawConstantValue()!, type);
        }
        return keys;
    }

    private static void AddProperties(HashSet<string> keys, string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var key = $"{prefix}:{property.Name}";
            var t = property.PropertyType;
            if (t.IsClass && t != typeof(string) && !t.IsArray && !t.IsGenericType)
                AddProperties(keys, key, t);
            else
                keys.Add(key);
        }
    }

    /// <summary>The keys in the README's configuration table (first column; several per row are separated by " / ").</summary>
    private static List<string> TableKeys()
    {
        var section = Readme[Readme.IndexOf("## Configuration", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 5, StringComparison.Ordinal)];
        return section.Split('\n')
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(line => BacktickedKeys().Matches(line.Split('|')[1]).Select(m => m.Groups[1].Value))
            .ToList();
    }

    [GeneratedRegex("`([A-Za-z]+(?::[A-Za-z]+)+)`")]
    private static partial Regex BacktickedKeys();

    [Fact]
    public void The_configuration_table_names_keys_the_code_binds()
    {
        var bound = BoundKeys();
        var documented = TableKeys();

        Assert.Contains("RateLimits:Reads:PermitLimit", documented);
        Assert.All(documented, key => Assert.True(bound.Contains(key), $"README names '{key}', which no setting binds. Bound: {string.Join(", ", bound.Order())}"));
    }

    [Fact]
    public void Every_key_in_appsettings_is_bound_by_the_code()
    {
        var bound = BoundKeys();
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "SCOFacts.Api", "appsettings.json")));
        var leaves = new List<string>();
        Flatten(settings.RootElement, "", leaves);

        var ours = leaves.Where(k => !k.StartsWith("Logging:", StringComparison.Ordinal) && k != "AllowedHosts");
        Assert.All(ours, key => Assert.True(bound.Contains(key), $"appsettings.json sets '{key}', which no setting binds."));
    }

    private static void Flatten(JsonElement element, string prefix, List<string> keys)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            keys.Add(prefix);
            return;
        }
        foreach (var property in element.EnumerateObject())
            Flatten(property.Value, prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}", keys);
    }

    [Fact]
    public void The_tour_uses_the_address_dotnet_run_serves()
    {
        using var launch = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "SCOFacts.Api", "Properties", "launchSettings.json")));
        var profiles = launch.RootElement.GetProperty("profiles").EnumerateObject().ToList();
        var served = new Uri(profiles[0].Value.GetProperty("applicationUrl").GetString()!.Split(';')[0]);

        var tour = TourBase().Match(Readme);
        Assert.True(tour.Success, "The README's tour sets no B=...");
        Assert.Equal(served, new Uri(tour.Groups[1].Value));
        Assert.DoesNotContain("--urls http://127.0.0.1:5000", Readme, StringComparison.Ordinal);
        Assert.Contains($"{served.GetLeftPart(UriPartial.Authority)}/swagger", Readme, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\nB=(\S+)")]
    private static partial Regex TourBase();

    [Fact]
    public void No_launch_profile_forces_an_environment_so_a_Release_run_is_Production()
    {
        var launch = File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "SCOFacts.Api", "Properties", "launchSettings.json"));
        Assert.DoesNotContain("ASPNETCORE_ENVIRONMENT", launch, StringComparison.Ordinal);
        Assert.DoesNotContain("DOTNET_ENVIRONMENT", launch, StringComparison.Ordinal);
    }

    [Fact]
    public void The_build_configuration_decides_the_environment_unless_one_is_chosen()
    {
        static string? Unset(string _) => null;
        var release = BuiltAs("Release");
        var debug = BuiltAs("Debug");

        Assert.Null(HostEnvironmentDefault.For(release, [], Unset));
        Assert.Equal(Environments.Development, HostEnvironmentDefault.For(debug, [], Unset));
        Assert.Null(HostEnvironmentDefault.For(debug, [], name => name == "ASPNETCORE_ENVIRONMENT" ? "Staging" : null));
        Assert.Null(HostEnvironmentDefault.For(debug, [], name => name == "DOTNET_ENVIRONMENT" ? "Production" : null));
        Assert.Null(HostEnvironmentDefault.For(debug, ["--environment", "Production"], Unset));
        Assert.Null(HostEnvironmentDefault.For(release, ["--urls", "http://127.0.0.1:0"], name => name == "ASPNETCORE_ENVIRONMENT" ? "" : null));
    }

    /// <summary>An assembly whose AssemblyConfiguration says how it was built.</summary>
    private static Assembly BuiltAs(string configuration)
    {
        var name = new AssemblyName($"BuiltAs{configuration}");
        var assembly = System.Reflection.Emit.AssemblyBuilder.DefineDynamicAssembly(name, System.Reflection.Emit.AssemblyBuilderAccess.Run);
        assembly.SetCustomAttribute(new System.Reflection.Emit.CustomAttributeBuilder(
            typeof(AssemblyConfigurationAttribute).GetConstructor([typeof(string)])!, [configuration]));
        return assembly;
    }
}
