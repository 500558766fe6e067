using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Warehouse.Database;
using Warehouse.Database.Migrations;
using Warehouse.Host.Hosting;

namespace Warehouse.Host.Cli;

/// <summary>
/// The services a projection verb needs (event store, projector, listeners other features register), built the
/// same way the web host builds them, without the web host.
/// </summary>
internal static class ProjectionsCli
{
    public static async Task<(WarehouseDatabase Database, ServiceProvider Services)> OpenAsync(ParseResult parse, CancellationToken ct)
    {
        var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
        var configuration = DatabaseCliOptions.Configuration(parse, new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = database.ConnectionString,
        });
        var services = new ServiceCollection();
        services.AddSingleton(CliLogging.Factory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddWarehouseServices(configuration);
        var provider = services.BuildServiceProvider();
        // Like serve: these verbs read and write the schema, so bring it up to date first.
        await provider.GetRequiredService<Migrator>().MigrateAsync(ct);
        return (database, provider);
    }

    public static bool IsInteractive => !Console.IsOutputRedirected && !Console.IsErrorRedirected;
}
