using JasperFx;
using Marten;
using Npgsql;

namespace SCOFacts.Api.Storage;

/// <summary>Registers Marten over the application's data source.</summary>
public static class MartenModule
{
    /// <summary>
    /// Adds Marten's document store, configured by <see cref="ScoFactsMarten.Configure"/>, with schema creation off:
    /// the schema comes from <c>migrations/</c>, applied at start-up before anything uses the store.
    /// </summary>
    public static IServiceCollection AddScoFactsMarten(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(s => s.ServiceType == typeof(IDocumentStore))) return services;
        services.AddMarten(sp =>
        {
            var options = new StoreOptions();
            ScoFactsMarten.Configure(options, sp.GetRequiredService<NpgsqlDataSource>(), AutoCreate.None);
            return options;
        });
        return services;
    }
}
