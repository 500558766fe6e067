using System.CommandLine;
using Warehouse.Database.Migrations;
using Warehouse.Host.Hosting;

namespace Warehouse.Host.Cli;

/// <summary>`warehouse serve`: migrate, then run the HTTP API and the hosted services until stopped.</summary>
public static class ServeCommand
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static readonly Option<string> Urls = new("--urls")
    {
        Description = "Addresses to listen on, separated by ';'.",
        DefaultValueFactory = _ => DefaultUrls,
    };

    public static readonly Option<bool> NoDaemon = new("--no-daemon")
    {
        Description = "Do not run the projection daemon in this process (another instance runs it).",
    };

    public static Command Build()
    {
        var command = new Command("serve", "Migrate the database, then serve the HTTP API (ingestion, KPIs, /health) " +
                                           "and run the projection daemon, until Ctrl+C or SIGTERM.")
        { Urls, NoDaemon };
        command.WithDatabaseOptions();
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var overrides = new Dictionary<string, string?>();
        if (parse.GetValue(NoDaemon)) overrides["Projections:Daemon:Enabled"] = "false";
        var configuration = DatabaseCliOptions.Configuration(parse, overrides);

        await using var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
        var options = DatabaseCliOptions.DatabaseOptionsFrom(configuration);
        await using (var dataSource = database.CreateDataSource("warehouse-migrate"))
        {
            await new Migrator(dataSource, options, CliLogging.Factory.CreateLogger<Migrator>()).MigrateAsync(ct);
        }

        var urls = parse.GetValue(Urls) ?? DefaultUrls;
        await using var app = WarehouseWebApp.Build(new WebAppSettings(database.ConnectionString, urls, overrides));
        await app.StartAsync(ct);
        var where = database.IsEmbedded ? $"embedded PostgreSQL in {database.EmbeddedDataDirectory}" : "the configured PostgreSQL";
        foreach (var url in app.Urls)
            Console.WriteLine($"Warehouse is serving on {url} (database: {where}). Health: {url}/health, OpenAPI: {url}/openapi/v1.json. Ctrl+C stops.");
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: fall through to a graceful stop of the host, then of the cluster.
        }
        await app.StopAsync(CancellationToken.None);
        return 0;
    }
}
