using Npgsql;
using SCOFacts.EventStore;
using SCOFacts.EventStore.Migrations;

namespace SCOFacts.Api.Platform;

public static class DatabaseExtensions
{
    /// <summary>The folder of migrations copied next to the Api assembly.</summary>
    public static string MigrationsDirectory => Path.Combine(AppContext.BaseDirectory, "migrations");

    /// <summary>
    /// Registers the application's database: one <see cref="NpgsqlDataSource"/> singleton (and the <see cref="ReadDataSource"/>
    /// plain reads of stored answers go through), a local cluster when no
    /// connection string is configured (stopped on shutdown), and the migrations applied before anything else starts.
    /// Call it before registering hosted services that use the database, so that they start after the migrations.
    /// </summary>
    public static IHostApplicationBuilder AddScoFactsDatabase(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<LocalDatabaseOptions>().BindConfiguration(LocalDatabaseOptions.Section);
        builder.Services.AddSingleton<ScoFactsDatabase>();
        // Blocking once, at start-up, on a task the first hosted service has normally finished already; a hosted
        // service whose constructor takes the data source may get here first, and must then wait for the cluster.
        builder.Services.AddSingleton(sp => EventStoreDataSource.Create(sp.GetRequiredService<ScoFactsDatabase>().GetConnectionStringAsync().GetAwaiter().GetResult()));
        builder.Services.AddSingleton(sp => ReadDataSource.Create(sp.GetRequiredService<ScoFactsDatabase>().GetConnectionStringAsync().GetAwaiter().GetResult()));
        builder.Services.AddSingleton(sp => new MigrationRunner(sp.GetRequiredService<NpgsqlDataSource>(), MigrationsDirectory, sp.GetRequiredService<ILogger<MigrationRunner>>()));
        builder.Services.AddHostedService<DatabaseStartup>();
        return builder;
    }

    /// <summary>
    /// Drops the idle connections of every pool on the application's database: after the server went away they are
    /// dead, and the first requests after its return would otherwise fail on them one by one.
    /// </summary>
    public static void ClearDatabasePools(this IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.GetService<NpgsqlDataSource>()?.Clear();
        services.GetService<ReadDataSource>()?.Clear();
    }
}

/// <summary>Starts the database (and the local cluster, if any) and migrates it before the other hosted services start; stops the cluster last.</summary>
internal sealed class DatabaseStartup(ScoFactsDatabase database, IServiceProvider services, ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await database.GetConnectionStringAsync().WaitAsync(cancellationToken);
        var runner = services.GetRequiredService<MigrationRunner>();
        var applied = await runner.ApplyAsync(cancellationToken);
        if (applied.Count > 0)
            logger.LogInformation("Applied {Count} migration(s): {Names}", applied.Count, string.Join(", ", applied.Select(m => m.FileName)));
        else
            logger.LogInformation("Database schema is up to date");
    }

    // Hosted services stop in reverse order, so this runs after everything that used the database has stopped.
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (database.LocalCluster is null)
            return;
        // Close idle pooled connections first, so that the cluster's fast shutdown has fewer sessions to end.
        services.ClearDatabasePools();
        await database.StopAsync();
    }
}
