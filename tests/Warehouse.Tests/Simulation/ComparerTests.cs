using Warehouse.Simulation.GroundTruth;
using Warehouse.Simulation.Verification;

namespace Warehouse.Tests.Simulation;

public sealed class ComparerTests
{
    private static KpiTable Expected()
    {
        var t = new KpiTable("conversion", ["day"], ["orders", "revenue"]);
        t.Set(["2026-03-02"], "orders", 3);
        t.Set(["2026-03-02"], "revenue", 120.50m);
        t.Set(["2026-03-03"], "orders", 0);
        t.Set(["2026-03-03"], "revenue", 0);
        return t;
    }

    private static KpiTable Actual(IEnumerable<Dictionary<string, object?>> rows) =>
        KpiRowConverter.ToTable(Expected(), rows);

    [Fact]
    public void a_difference_reads_as_kpi_key_column_expected_and_warehouse_values()
    {
        var actual = Actual([new() { ["day"] = new DateOnly(2026, 3, 2), ["orders"] = 2L, ["revenue"] = 100.2500m }]);

        var lines = KpiComparer.Compare(Expected(), actual).Select(d => d.ToString()).ToList();

        Assert.Equal([
            "conversion [day=2026-03-02] orders: expected 3, warehouse 2 (-1)",
            "conversion [day=2026-03-02] revenue: expected 120.5, warehouse 100.25 (-20.25)",
        ], lines);
    }

    [Fact]
    public void a_missing_row_counts_as_zeros_and_a_null_cell_is_not_compared()
    {
        var actual = Actual([new() { ["day"] = new DateOnly(2026, 3, 2), ["orders"] = 3L, ["revenue"] = null }]);

        Assert.Empty(KpiComparer.Compare(Expected(), actual));
    }

    [Fact]
    public void a_row_the_truth_does_not_have_is_a_difference()
    {
        var actual = Actual([
            new() { ["day"] = new DateOnly(2026, 3, 2), ["orders"] = 3L, ["revenue"] = 120.5m },
            new() { ["day"] = new DateOnly(2026, 3, 9), ["orders"] = 1L, ["revenue"] = 9.99m },
        ]);

        var lines = KpiComparer.Compare(Expected(), actual).Select(d => d.ToString()).ToList();
        Assert.Contains("conversion [day=2026-03-09] orders: expected 0, warehouse 1 (+1)", lines);
    }

    [Fact]
    public void a_column_the_warehouse_lacks_is_reported_once()
    {
        var actual = Actual([new() { ["day"] = new DateOnly(2026, 3, 2), ["orders"] = 3L }]);

        var differences = KpiComparer.Compare(Expected(), actual, new HashSet<string> { "day", "orders" });
        Assert.Equal("conversion revenue: the warehouse does not report this column", Assert.Single(differences).ToString());
    }
}
