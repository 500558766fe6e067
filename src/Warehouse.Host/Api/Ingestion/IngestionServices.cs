using Warehouse.Ingestion;
using Warehouse.Ingestion.Catalogue;

namespace Warehouse.Host.Api.Ingestion;

public static class IngestionServices
{
    /// <summary>Sources cache, the ingestion pipeline and the catalogue ingestor; options from "Ingestion".</summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IngestionOptions>().Bind(configuration.GetSection(IngestionOptions.Section));
        services.AddSingleton(sp => new SourceCache(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<IngestionOptions>>().Value));
        services.AddSingleton<IngestionService>();
        services.AddSingleton<CatalogueIngestor>();
        return services;
    }
}
