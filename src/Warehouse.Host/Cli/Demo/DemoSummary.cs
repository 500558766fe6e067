using System.Globalization;
using Npgsql;
using Spectre.Console;
using Warehouse.Kpis;
using Warehouse.Simulation.GroundTruth;
using Warehouse.Simulation.Verification;

namespace Warehouse.Host.Cli.Demo;

/// <summary>The demo's KPI summary: acquisition by source, the funnel, the weekly retention triangle.</summary>
internal static class DemoSummary
{
    public static async Task PrintAsync(IAnsiConsole console, NpgsqlDataSource dataSource, TruthWindow window, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        async Task<List<Dictionary<string, object?>>> Run(string kpi) =>
            (await KpiQuery.RunAsync(conn, new KpiRequest(kpi, window.From, window.To, window.TimeZone), ct)).RowObjects().ToList();

        var range = $"{window.From:yyyy-MM-dd} to {window.To:yyyy-MM-dd} ({window.TimeZone})";
        var acquisition = await Run(KpiNames.Acquisition);
        var bySource = new Table().Border(TableBorder.Rounded).Title($"New users by first-touch source, {range}")
            .AddColumn("source").AddColumn("medium").AddColumn(new TableColumn("new users").RightAligned()).AddColumn(new TableColumn("share").RightAligned());
        var total = acquisition.Sum(r => Num(r["new_users"]));
        foreach (var g in acquisition.GroupBy(r => ((string)r["source"]!, (string)r["medium"]!)).OrderByDescending(g => g.Sum(r => Num(r["new_users"]))))
        {
            var n = g.Sum(r => Num(r["new_users"]));
            bySource.AddRow(g.Key.Item1.EscapeMarkup(), g.Key.Item2.EscapeMarkup(), Int(n), Pct(n, total));
        }
        bySource.AddRow("[bold]total[/]", "", $"[bold]{Int(total)}[/]", "");
        console.Write(bySource);

        var funnel = new Table().Border(TableBorder.Rounded).Title($"Funnel (168 h window), step 1 in {range}")
            .AddColumn("step").AddColumn(new TableColumn("users").RightAligned()).AddColumn(new TableColumn("of step 1").RightAligned()).AddColumn(new TableColumn("of previous").RightAligned());
        foreach (var r in await Run(KpiNames.Funnel))
            funnel.AddRow($"{r["step"]}. {r["step_name"]}".EscapeMarkup(), Int(Num(r["users"])), Rate(r["rate_overall"]), Rate(r["rate_from_previous"]));
        var conversion = await Run(KpiNames.Conversion);
        var orders = conversion.Sum(r => Num(r["orders"]));
        var revenue = conversion.Sum(r => Num(r["revenue"]));
        funnel.Caption($"{Int(orders)} orders, revenue {revenue.ToString("N2", CultureInfo.InvariantCulture)}, AOV {(orders == 0 ? 0 : revenue / orders).ToString("N2", CultureInfo.InvariantCulture)}");
        console.Write(funnel);

        var retention = await Run(KpiNames.Retention);
        var maxOffset = retention.Count == 0 ? 0 : retention.Max(r => (int)Num(r["week_offset"]));
        var triangle = new Table().Border(TableBorder.Rounded).Title("Weekly retention: share of each first-seen cohort active in week k")
            .AddColumn("cohort week").AddColumn(new TableColumn("users").RightAligned());
        for (var k = 0; k <= maxOffset; k++) triangle.AddColumn(new TableColumn($"w{k}").RightAligned());
        foreach (var cohort in retention.GroupBy(r => KpiRowConverter.KeyText(r["cohort_week"])))
        {
            var cells = new List<string> { cohort.Key, Int(Num(cohort.First()["cohort_size"])) };
            for (var k = 0; k <= maxOffset; k++)
            {
                var cell = cohort.FirstOrDefault(r => (int)Num(r["week_offset"]) == k);
                cells.Add(cell is null ? "" : cell["retention_rate"] is null ? "[grey]…[/]" : Rate(cell["retention_rate"], "P0"));
            }
            triangle.AddRow(cells.ToArray());
        }
        triangle.Caption("… = week not over yet");
        console.Write(triangle);
    }

    private static decimal Num(object? v) => KpiRowConverter.Number(v) ?? 0;
    private static string Int(decimal n) => n.ToString("N0", CultureInfo.InvariantCulture);
    private static string Pct(decimal n, decimal of) => of == 0 ? "" : (n / of).ToString("P1", CultureInfo.InvariantCulture);
    private static string Rate(object? v, string format = "P1") => KpiRowConverter.Number(v) is { } r ? r.ToString(format, CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal) : "";
}
