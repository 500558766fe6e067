using System.CommandLine;
using Warehouse.Database.Migrations;

namespace Warehouse.Host.Cli;

/// <summary>`warehouse migrate`: apply pending migrations and re-create the kpi views.</summary>
public static class MigrateCommand
{
    public static Command Build()
    {
        var command = new Command("migrate", "Apply sql/migrations (each once, in order, checksummed) and re-create the views in schema kpi.");
        command.WithDatabaseOptions();
        command.SetAction(async (parse, ct) =>
        {
            var options = DatabaseCliOptions.DatabaseOptionsFrom(DatabaseCliOptions.Configuration(parse));
            await using var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
            await using var dataSource = database.CreateDataSource("warehouse-migrate");
            var report = await new Migrator(dataSource, options, CliLogging.Factory.CreateLogger<Migrator>()).MigrateAsync(ct);
            Console.WriteLine(report.Applied.Count == 0
                ? $"Database is current; re-created {report.ViewScripts} view scripts."
                : $"Applied {report.Applied.Count} migrations ({string.Join(", ", report.Applied)}); re-created {report.ViewScripts} view scripts.");
            return 0;
        });
        return command;
    }
}
