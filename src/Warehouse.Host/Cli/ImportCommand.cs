using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Warehouse.EventStore;
using Warehouse.Projections.Catalogue;

namespace Warehouse.Host.Cli;

/// <summary>`warehouse import products &lt;file.csv&gt;`: the product catalogue as product_upserted events.</summary>
public static class ImportCommand
{
    public static Command Build()
    {
        var import = new Command("import", "Import reference data into the event store.");
        var file = new Argument<FileInfo>("file") { Description = "CSV with a header row: productId, sku, name, category, brand, price, currency; other columns become attributes." };
        var products = new Command("products", "Append one product_upserted event per CSV row (stream product:<productId>); dim_products shows the latest values.") { file };
        products.WithDatabaseOptions();
        products.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists) throw new CliUsageException($"{path.FullName} does not exist.");
            var (database, services) = await ProjectionsCli.OpenAsync(parse, ct);
            await using var _ = database;
            await using var __ = services;
            var store = services.GetRequiredService<IEventStore>();
            await using var stream = path.OpenRead();
            using var reader = new StreamReader(stream);
            ProductImportReport report;
            try
            {
                report = await ImportAsync(store, reader, stream, ct);
            }
            catch (Exception e) when (e is FormatException or CsvHelper.CsvHelperException)
            {
                throw new CliUsageException($"{path.Name}: {e.Message}");
            }
            foreach (var line in report.Rejected) await Console.Error.WriteLineAsync($"rejected {line}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Imported {report.Appended} products from {report.Rows} rows ({report.Rejected.Count} rejected)."));
            return report.Rejected.Count == 0 ? 0 : 1;
        });
        import.Subcommands.Add(products);
        return import;
    }

    private static async Task<ProductImportReport> ImportAsync(IEventStore store, StreamReader reader, FileStream stream, CancellationToken ct)
    {
        if (!ProjectionsCli.IsInteractive)
            return await ProductCsvImport.ImportAsync(store, reader, null, ct);
        ProductImportReport? report = null;
        await AnsiConsole.Progress().StartAsync(async ctx =>
        {
            var task = ctx.AddTask("importing products", maxValue: Math.Max(1, stream.Length));
            var bar = new Progress<long>(rows =>
            {
                task.Value = stream.Position;
                task.Description = $"importing products ({rows} rows)";
            });
            report = await ProductCsvImport.ImportAsync(store, reader, bar, ct);
            task.Value = task.MaxValue;
        });
        return report!;
    }
}
