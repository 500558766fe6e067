using Warehouse.Database;
using Warehouse.Database.Migrations;
using Warehouse.EventStore;
using Warehouse.Health;
using Warehouse.Host.Api;
using Warehouse.Host.Api.Ingestion;
using Warehouse.Projections;
using Warehouse.Kpis;

namespace Warehouse.Host.Hosting;

/// <param name="ConnectionString">The database, already opened (embedded or configured) and migrated.</param>
/// <param name="Urls">Kestrel addresses; tests pass http://127.0.0.1:0 for a free port.</param>
/// <param name="Overrides">Configuration keys that win over every other source (command-line options, tests).</param>
public sealed record WebAppSettings(string ConnectionString, string Urls, IReadOnlyDictionary<string, string?>? Overrides = null);

/// <summary>
/// Builds the web host that `warehouse serve` runs and the integration tests start over real loopback HTTP:
/// one table of contents for services and endpoints, so both always run the same thing.
/// </summary>
public static class WarehouseWebApp
{
    public static WebApplication Build(WebAppSettings settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        var overrides = new Dictionary<string, string?>(settings.Overrides ?? new Dictionary<string, string?>())
        {
            ["Database:ConnectionString"] = settings.ConnectionString,
        };
        builder.Configuration.AddWarehouseSources(overrides);
        builder.WebHost.UseUrls(settings.Urls);
        builder.Logging.ClearProviders();
        builder.Logging.AddWarehouseConsole();

        builder.Services.AddWarehouseServices(builder.Configuration);
        builder.Services.AddOpenApi();

        var app = builder.Build();
        app.MapOpenApi();
        app.MapWarehouseApis();
        return app;
    }

    /// <summary>Services every process shares: options, the one data source, the migrator, health sections.</summary>
    public static IServiceCollection AddWarehouseServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section));
        services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value);
        services.AddSingleton(sp => WarehouseDataSource.Create(
            sp.GetRequiredService<DatabaseOptions>().ConnectionString
            ?? throw new InvalidOperationException("Database:ConnectionString must be set before the web host starts")));
        services.AddSingleton<Migrator>();
        services.AddSingleton<IHealthContributor, DatabaseHealth>();
        services.AddEventStore(configuration);
        services.AddIngestion(configuration);
        services.AddProjections(configuration);
        services.AddKpis();
        return services;
    }

    /// <summary>Every HTTP API, one line per feature (each lives in Api/XxxApi.cs).</summary>
    public static WebApplication MapWarehouseApis(this WebApplication app)
    {
        app.MapHealthApi();
        app.MapIngestionApi();
        app.MapKpiApi();
        return app;
    }

    /// <summary>One line per entry on a terminal; JSON lines when output goes to a file or a collector.</summary>
    public static ILoggingBuilder AddWarehouseConsole(this ILoggingBuilder logging)
    {
        if (Console.IsErrorRedirected && Console.IsOutputRedirected)
            logging.AddJsonConsole(o => o.TimestampFormat = "O");
        else
            logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        return logging;
    }
}
