using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Warehouse.Kpis;

namespace Warehouse.Host.Cli;

/// <summary>`warehouse kpi &lt;name&gt; [--from --to --tz --as-of --format table|csv|json]`.</summary>
public static class KpiCommand
{
    public static Command Build()
    {
        var name = new Argument<string>("name") { Description = $"The KPI: {KpiCatalog.Names}." };
        var from = new Option<string?>("--from") { Description = "First local date, YYYY-MM-DD (default: 89 days before --to)." };
        var to = new Option<string?>("--to") { Description = "Last local date, YYYY-MM-DD, inclusive (default: today in --tz)." };
        var tz = new Option<string>("--tz") { Description = "Reporting time zone (IANA name).", DefaultValueFactory = _ => "UTC" };
        var asOf = new Option<string?>("--as-of") { Description = "Only what the warehouse had received by this instant (ISO 8601), e.g. 2026-01-31T12:00:00Z." };
        var format = new Option<string>("--format") { Description = "table, csv or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var command = new Command("kpi", "Print a KPI: " + string.Join("; ", KpiCatalog.All.Select(k => $"{k.Name}: {k.Description}")) + ".")
        { name, from, to, tz, asOf, format };
        command.WithDatabaseOptions();
        command.SetAction(async (parse, ct) =>
        {
            var request = new KpiRequest(parse.GetValue(name)!, ParseDate(parse.GetValue(from), "--from"),
                ParseDate(parse.GetValue(to), "--to"), parse.GetValue(tz) ?? "UTC", ParseInstant(parse.GetValue(asOf)));
            await using var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
            await using var dataSource = database.CreateDataSource("warehouse-kpi");
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            KpiResult result;
            try
            {
                result = await KpiQuery.RunAsync(conn, request, ct);
            }
            catch (KpiArgumentException e)
            {
                throw new CliUsageException(e.Message);
            }
            switch (parse.GetValue(format))
            {
                case "csv": Console.Write(KpiCsv.Format(result)); break;
                case "json": Console.WriteLine(JsonSerializer.Serialize(new
                {
                    kpi = result.Kpi, from = result.From, to = result.To, tz = result.TimeZone, as_of = result.AsOf,
                    rows = result.RowObjects(),
                }, new JsonSerializerOptions { WriteIndented = true })); break;
                default: Render(result); break;
            }
            return 0;
        });
        return command;
    }

    private static void Render(KpiResult result)
    {
        var asOf = result.AsOf is { } a ? $", as of {a:O}" : "";
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{result.Kpi}: {result.From:yyyy-MM-dd} to {result.To:yyyy-MM-dd} ({result.TimeZone}{asOf})");
        foreach (var column in result.Columns)
        {
            var numeric = result.Rows.Any(r => r[result.Columns.ToList().IndexOf(column)] is long or int or decimal or double);
            table.AddColumn(new TableColumn(Markup.Escape(column)) { Alignment = numeric ? Justify.Right : Justify.Left });
        }
        foreach (var row in result.Rows)
            table.AddRow(row.Select(v => Markup.Escape(v is null ? "-" : KpiCsv.FormatValue(v))).ToArray());
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{result.Rows.Count} rows[/]");
    }

    private static DateOnly? ParseDate(string? text, string option)
    {
        if (string.IsNullOrEmpty(text)) return null;
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d : throw new CliUsageException($"{option} '{text}' is not a date; use YYYY-MM-DD.");
    }

    private static DateTimeOffset? ParseInstant(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t : throw new CliUsageException($"--as-of '{text}' is not a date-time; use ISO 8601, e.g. 2026-01-31T12:00:00Z.");
    }
}
