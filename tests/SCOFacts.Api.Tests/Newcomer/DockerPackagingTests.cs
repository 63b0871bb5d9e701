using System.Text.RegularExpressions;
using SCOFacts.Api.Tests.Seeding;

namespace SCOFacts.Api.Tests.Newcomer;

/// <summary>
/// Docker cannot run here, so what can be checked without it is: the image builds from the files the README
/// path builds from, and the build output carries what the host needs at start-up.
/// </summary>
public sealed partial class DockerPackagingTests
{
    private static string Dockerfile => File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "SCOFacts.Api", "Dockerfile"));

    /// <summary>The sources of every COPY in the build stage (not --from copies).</summary>
    private static List<string> CopiedPaths() =>
        CopyLine().Matches(Dockerfile).SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]).ToList();

    [GeneratedRegex(@"<ProjectReference Include=""([^""]+)""")]
    private static partial Regex ProjectReference();

    [GeneratedRegex(@"^COPY (?!--from)(.+)$", RegexOptions.Multiline)]
    private static partial Regex CopyLine();

    [Fact]
    public void The_image_build_copies_everything_the_build_reads_and_each_copied_path_exists()
    {
        var copied = CopiedPaths();
        foreach (var needed in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig", "migrations/", "seeds/", "src/" })
            Assert.Contains(needed, copied);
        Assert.All(copied, path => Assert.True(File.Exists(Path.Combine(RepoPaths.Root, path)) || Directory.Exists(Path.Combine(RepoPaths.Root, path)),
            $"The Dockerfile copies {path}, which the repository does not have"));
    }

    [Fact]
    public void Every_project_the_api_builds_from_is_restored_in_the_image()
    {
        var copied = CopiedPaths();
        // The API's project and every project it references, directly or not.
        var projects = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.Combine(RepoPaths.Root, "src", "SCOFacts.Api", "SCOFacts.Api.csproj")]);
        while (pending.TryPop(out var project))
        {
            if (!projects.Add(Path.GetRelativePath(RepoPaths.Root, project).Replace('\\', '/'))) continue;
            foreach (Match reference in ProjectReference().Matches(File.ReadAllText(project)))
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Groups[1].Value.Replace('\\', '/'))));
        }
        Assert.True(projects.Count >= 3, string.Join(", ", projects));
        Assert.All(projects, project => Assert.Contains(project, copied));
    }

    [Fact]
    public void The_build_context_keeps_what_the_image_needs()
    {
        var ignored = File.ReadAllLines(Path.Combine(RepoPaths.Root, ".dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var needed in new[] { "src/", "migrations/", "seeds/", "global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig" })
            Assert.DoesNotContain(needed, ignored);
    }

    [Fact]
    public void The_compose_file_builds_this_dockerfile_and_suits_compose_1_and_2()
    {
        var compose = File.ReadAllText(Path.Combine(RepoPaths.Root, "docker-compose.yml"));
        Assert.Contains("dockerfile: src/SCOFacts.Api/Dockerfile", compose, StringComparison.Ordinal);
        Assert.Contains("context: .", compose, StringComparison.Ordinal);
        // docker-compose 1.x (Debian's) refuses a top-level "name".
        Assert.DoesNotMatch(new Regex(@"^name:", RegexOptions.Multiline), compose);
        Assert.Contains("ConnectionStrings__SCOFacts", compose, StringComparison.Ordinal);
    }

    [Fact]
    public void The_build_output_carries_the_migrations_the_seeds_and_the_api_descriptions()
    {
        var output = AppContext.BaseDirectory;
        var shipped = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "migrations"), "*.sql").Select(Path.GetFileName).Order().ToList();
        var built = Directory.EnumerateFiles(Path.Combine(output, "migrations"), "*.sql").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(shipped, built);
        Assert.True(File.Exists(Path.Combine(output, "seeds", "facts.json")), "no seeds/facts.json beside the app");
        // Swagger's descriptions come from these.
        Assert.True(File.Exists(Path.Combine(output, "SCOFacts.Api.xml")), "no SCOFacts.Api.xml beside the app");
    }
}
