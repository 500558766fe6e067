using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Warehouse.Health;
using Warehouse.Projections.Daemon;

namespace Warehouse.Projections;

public static class ProjectionServices
{
    /// <summary>
    /// The projector, status, /health section and the daemon (a hosted service that does nothing when
    /// Projections:Daemon:Enabled is false). Listeners (IStarSchemaListener) are registered by their features.
    /// </summary>
    public static IServiceCollection AddProjections(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new ProjectionOptions();
        configuration.GetSection(ProjectionOptions.Section).Bind(options);
        services.AddSingleton(options);
        services.AddSingleton<BatchProjector>();
        services.AddSingleton<ProjectionStatus>();
        services.AddSingleton<IHealthContributor, ProjectionHealth>();
        services.AddSingleton<ProjectionDaemon>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ProjectionDaemon>());
        return services;
    }
}
