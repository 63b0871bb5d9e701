using JasperFx;
using Marten;
using Npgsql;

namespace SCOFacts.Api.Storage;

/// <summary>Registers Marten over the application's data source.</summary>
public static class MartenModule
{
    /// <summary>
    /// Adds Marten's document store, configured by <see cref="ScoFactsMarten.Configure"/>, with schema creation off:
    /// the schema comes from <c>migrations/</c>, applied at start-up before anything uses the store. Call it after the
    /// database is registered: without one, nothing is added.
    /// </summary>
    public static IServiceCollection AddScoFactsMarten(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(s => s.ServiceType == typeof(IDocumentStore))) return services;
        // A host without a database (a verb that reads only files, such as 'seeds verify') gets no store: Marten's
        // start-up would otherwise ask for a data source that is not there. Hosts register the database first.
        if (!services.Any(s => s.ServiceType == typeof(NpgsqlDataSource))) return services;
        services.AddMarten(sp =>
        {
            var options = new StoreOptions();
            ScoFactsMarten.Configure(options, sp.GetRequiredService<NpgsqlDataSource>(), AutoCreate.None);
            return options;
        });
        return services;
    }
}
