namespace SCOFacts.Api.Tests.Seeding;

/// <summary>Where the repository's seed set and the shared source documents are, found from the test assembly.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootFolder = new(FindRoot);

    /// <summary>The folder holding SCOFacts.sln.</summary>
    public static string Root => RootFolder.Value;

    /// <summary>The repository's <c>seeds/</c>.</summary>
    public static string Seeds => Path.Combine(Root, "seeds");

    /// <summary>The source documents the seed quotes come from: <c>../shared/seeds</c> beside the clone (it may be absent).</summary>
    public static string Documents => Path.GetFullPath(Path.Combine(Root, "..", "shared", "seeds"));

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "SCOFacts.sln")))
                return folder.FullName;
        }
        throw new InvalidOperationException($"No folder holding SCOFacts.sln above {AppContext.BaseDirectory}.");
    }
}
