using Microsoft.Extensions.DependencyInjection;
using Warehouse.Projections;

namespace Warehouse.Kpis;

public static class KpiServices
{
    /// <summary>The KPI pre-aggregates join the projection transaction as a star-schema listener.</summary>
    public static IServiceCollection AddKpis(this IServiceCollection services)
    {
        services.AddSingleton<IStarSchemaListener, KpiPreaggregates>();
        return services;
    }
}
