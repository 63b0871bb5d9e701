namespace SCOFacts.Api.Tests.Jobs;

/// <summary>The API with job progress written every 50 ms, so that a test sees it move within a short import.</summary>
public class JobsFactory : ApiFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Jobs:ProgressInterval"] = "00:00:00.050";
    }
}

/// <summary>
/// A second API process on another factory's database, as after a restart: the same database and ledger key, no new
/// keys or database of its own. Start it with <see cref="StartAsync"/>.
/// </summary>
public sealed class RestartedFactory(string connectionString, string ledgerKeyPath) : JobsFactory
{
    public override string LedgerKeyPath => ledgerKeyPath;

    /// <summary>Starts the host on the shared database.</summary>
    public Task StartAsync()
    {
        _ = Services;
        return Task.CompletedTask;
    }

    public override Task InitializeAsync() => StartAsync();

    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        settings[$"ConnectionStrings:{SCOFacts.Api.Platform.ScoFactsDatabase.ConnectionStringName}"] = connectionString;
        settings["Bootstrap:CreateEditorKey"] = "false";
        settings["RateLimits:Enabled"] = "false";
        settings["Seeds:LoadOnStart"] = "false";
        settings["Ledger:SigningKeyPath"] = LedgerKeyPath;
        settings["Jobs:ProgressInterval"] = "00:00:00.050";
    }
}
