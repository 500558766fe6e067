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

    /// <summary>
    /// A terminal table. Rate numerators and denominators repeat other columns, so the table leaves them out
    /// (csv and json keep every column); columns never wrap, and piped output is not squeezed to 80 columns.
    /// </summary>
    private static void Render(KpiResult result)
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 400;
            AnsiConsole.Profile.Capabilities.Ansi = false;
        }
        var shown = Enumerable.Range(0, result.Columns.Count)
            .Where(i => !result.Columns[i].EndsWith("_numerator", StringComparison.Ordinal)
                        && !result.Columns[i].EndsWith("_denominator", StringComparison.Ordinal))
            .ToList();
        var asOf = result.AsOf is { } a ? $", as of {a:O}" : "";
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{result.Kpi}: {result.From:yyyy-MM-dd} to {result.To:yyyy-MM-dd} ({result.TimeZone}{asOf})");
        foreach (var i in shown)
        {
            var numeric = result.Rows.Any(r => r[i] is long or int or decimal or double);
            table.AddColumn(new TableColumn(Markup.Escape(result.Columns[i])) { Alignment = numeric ? Justify.Right : Justify.Left }.NoWrap());
        }
        foreach (var row in result.Rows)
            table.AddRow(shown.Select(i => Markup.Escape(row[i] is null ? "-" : KpiCsv.FormatValue(row[i]))).ToArray());
        AnsiConsole.Write(table);
        var hidden = result.Columns.Count - shown.Count;
        AnsiConsole.MarkupLine($"[grey]{result.Rows.Count} rows{(hidden > 0 ? $"; {hidden} numerator/denominator columns in --format csv|json" : "")}[/]");
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
