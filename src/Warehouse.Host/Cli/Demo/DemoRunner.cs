using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Warehouse.Database.Migrations;
using Warehouse.Host.Cli.Simulate;
using Warehouse.Host.Hosting;
using Warehouse.Ingestion;
using Warehouse.Kpis;
using Warehouse.Projections;
using Warehouse.Simulation;
using Warehouse.Simulation.Generation;
using Warehouse.Simulation.GroundTruth;
using Warehouse.Simulation.Sending;
using Warehouse.Simulation.Verification;

namespace Warehouse.Host.Cli.Demo;

/// <summary>The demo's steps, in order; each prints one line with its duration.</summary>
internal static class DemoRunner
{
    public static async Task<int> RunAsync(ParseResult parse, DemoSettings settings, IAnsiConsole console, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var logger = CliLogging.Factory.CreateLogger("Warehouse.Demo");
        void Step(string text) => console.MarkupLineInterpolated($"[grey]{clock.Elapsed.TotalSeconds,6:F1} s[/]  {text}");

        var configuration = DatabaseCliOptions.Configuration(parse, new Dictionary<string, string?> { ["Projections:Daemon:Enabled"] = "true" });
        var databaseOptions = DatabaseCliOptions.DatabaseOptionsFrom(configuration);
        await using var database = await DemoDatabase.OpenAsync(databaseOptions, ct);
        Step(database.IsEmbedded ? $"PostgreSQL running (embedded, {database.EmbeddedDataDirectory}), fresh database {DemoSettings.DatabaseName}" : "PostgreSQL connected (--db)");

        var connectionString = database.ConnectionString;
        await using (var migrateSource = Warehouse.Database.WarehouseDataSource.Create(connectionString, "warehouse-migrate"))
            await new Migrator(migrateSource, databaseOptions, CliLogging.Factory.CreateLogger<Migrator>()).MigrateAsync(ct);
        Step("migrated");

        await using var app = WarehouseWebApp.Build(new WebAppSettings(connectionString, settings.Urls,
            new Dictionary<string, string?> { ["Projections:Daemon:Enabled"] = "true", ["Logging:LogLevel:Default"] = "Warning" }));
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e)
        {
            throw new CliUsageException($"Cannot serve on {settings.Urls}: {e.Message}. Is a `warehouse serve` already running there? " +
                                        "Stop it, or pass another address with --urls http://127.0.0.1:5085.");
        }
        var url = app.Urls.First().TrimEnd('/');
        Step($"serving on {url}");

        var dataSource = app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        var writeKey = await SourceRegistry.CreateAsync(dataSource, $"demo-{DateTime.UtcNow:yyyyMMdd-HHmmss}", ct);
        var token = await TokenStore.CreateAsync(dataSource, "demo", [TokenStore.KpiRead], ct);
        Step("created a source (write key) and an API token");

        var options = new SimulationOptions
        {
            Users = settings.Users,
            Days = settings.Days,
            Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-settings.Days),
            Seed = settings.Seed,
        };
        var traffic = TrafficGenerator.Generate(options);
        Step(SimulationSummary.Describe(traffic).EscapeMarkup());

        using var http = SimulateCommand.NewClient(url);
        await SimulateCommand.SendAsync(new SegmentHttpSender(http, writeKey, new SenderOptions()), traffic, logger, ct);
        Step("traffic sent through POST /v1/batch");

        await app.Services.GetRequiredService<ProjectionStatus>().WaitForCatchUpAsync(TimeSpan.FromMinutes(10), ct);
        Step("projections caught up");

        var window = new TruthWindow(options.Start, options.LastDay, "UTC");
        await DemoSummary.PrintAsync(console, dataSource, window, ct);
        var report = await GroundTruthVerifier.VerifyAsync(traffic, window, new DbKpiReader(dataSource), ct);
        if (report.Matches)
            console.MarkupLineInterpolated($"[green]Ground truth check: all {report.CellsCompared.Values.Sum()} KPI cells match what the simulator sent.[/]");
        else
            foreach (var d in report.Differences) console.MarkupLineInterpolated($"[red]difference: {d.ToString()}[/]");
        Step($"summary reached in {clock.Elapsed.TotalSeconds:F1} s");

        console.WriteLine();
        console.MarkupLineInterpolated($"  API       {url}/api/kpis/acquisition?from={options.Start:yyyy-MM-dd}&to={options.LastDay:yyyy-MM-dd}  (also conversion, funnel, retention, active-users, order-value)");
        console.MarkupLineInterpolated($"            curl -H 'Authorization: Bearer {token}' '{url}/api/kpis/funnel?from={options.Start:yyyy-MM-dd}&to={options.LastDay:yyyy-MM-dd}'");
        console.MarkupLineInterpolated($"  OpenAPI   {url}/openapi/v1.json");
        console.MarkupLineInterpolated($"  Health    {url}/health");
        console.MarkupLineInterpolated($"  Ingest    POST {url}/v1/batch with HTTP Basic auth, user name = write key {writeKey}");
        if (settings.ExitAfterSummary)
        {
            await app.StopAsync(CancellationToken.None);
            return report.Matches ? 0 : 1;
        }

        console.MarkupLine("Serving until Ctrl+C.");
        try { await Task.Delay(Timeout.Infinite, ct); }
        catch (OperationCanceledException) { /* Ctrl+C: stop the host, then the cluster */ }
        await app.StopAsync(CancellationToken.None);
        return 0;
    }
}
