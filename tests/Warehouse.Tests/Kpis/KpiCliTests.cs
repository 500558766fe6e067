using System.CommandLine;
using Warehouse.Host.Cli;
using Warehouse.Kpis;

namespace Warehouse.Tests.Kpis;

public sealed class KpiCliTests
{
    private static string Help(params string[] args)
    {
        var output = new StringWriter();
        WarehouseCli.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output });
        return output.ToString();
    }

    [Fact]
    public void kpi_help_names_every_kpi_and_every_option()
    {
        var help = Help("kpi", "--help");
        foreach (var kpi in KpiCatalog.All) Assert.Contains(kpi.Name, help);
        foreach (var option in new[] { "--from", "--to", "--tz", "--as-of", "--format", "--db" }) Assert.Contains(option, help);
    }

    [Fact]
    public void tokens_add_and_bench_kpi_are_verbs()
    {
        Assert.Contains("--scope", Help("tokens", "add", "--help"));
        Assert.Contains("--interactions", Help("bench", "kpi", "--help"));
    }

    [Fact]
    public void the_catalogue_finds_kpis_by_public_or_sql_name_and_nothing_else()
    {
        Assert.Equal("active_users", KpiCatalog.Find("active-users")?.SqlName);
        Assert.Equal("order-value", KpiCatalog.Find("order_value")?.Name);
        Assert.Null(KpiCatalog.Find("acquisition; drop table x"));
    }

    [Fact]
    public void csv_values_are_invariant_and_dates_are_iso()
    {
        Assert.Equal("2026-03-01", KpiCsv.FormatValue(new DateOnly(2026, 3, 1)));
        Assert.Equal("42.5000", KpiCsv.FormatValue(42.5000m));
        Assert.Equal("98.85", KpiCsv.FormatValue(98.85d));
        Assert.Equal("", KpiCsv.FormatValue(null));
        var csv = KpiCsv.Format(new KpiResult("x", new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 1), "UTC", null,
            ["source", "n"], [["a,b", 1L]]));
        Assert.Equal("source,n\r\n\"a,b\",1\r\n", csv);
    }
}
