using Npgsql;

namespace SCOFacts.Api.Tests.Seeding;

/// <summary>The app on a fresh database with the repository's real seed set loaded on start, as a first start does.</summary>
public sealed class SeededApiFactory : ApiFactory
{
    /// <summary>The seed set the app loaded, read independently for the expectations.</summary>
    public SCOFacts.Api.Seeding.SeedSet Seeds { get; } = SCOFacts.Api.Seeding.SeedSet.Load(RepoPaths.Seeds);

    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Seeds:LoadOnStart"] = "true";
        settings["Seeds:Folder"] = RepoPaths.Seeds;
    }

    /// <summary>A single number from the factory's database.</summary>
    public async Task<long> ScalarAsync(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
