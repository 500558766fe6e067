namespace Warehouse.Kpis;

/// <summary>One KPI: its public name (API, CLI), its SQL function in schema kpi, and what it answers.</summary>
public sealed record KpiDefinition(string Name, string SqlName, string Description);

/// <summary>The KPIs the warehouse serves. The SQL (sql/views/50_kpi) holds the definitions; this is the index.</summary>
public static class KpiCatalog
{
    public static IReadOnlyList<KpiDefinition> All { get; } =
    [
        new("acquisition", "acquisition", "New users per day by first-touch source / medium / campaign"),
        new("conversion", "conversion", "Visitors, viewers, adders, purchasers, orders, revenue and rates per day"),
        new("funnel", "funnel", "Product Viewed -> Product Added -> Order Completed within 168 hours"),
        new("retention", "retention", "Weekly first-seen cohorts: active in week k, and in week k or later"),
        new("retention-curve", "retention_curve", "Weighted mean retention per week offset over complete cohort cells"),
        new("active-users", "active_users", "DAU, WAU (7 days), MAU (30 days) and stickiness per day"),
        new("order-value", "order_value", "Orders, revenue, AOV and p50/p90/p99 of order revenue (percentile_cont)"),
    ];

    public static string Names => string.Join(", ", All.Select(k => k.Name));

    /// <summary>By public name; the SQL name (active_users) is accepted too.</summary>
    public static KpiDefinition? Find(string name) =>
        All.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase)
                             || string.Equals(k.SqlName, name, StringComparison.OrdinalIgnoreCase));
}
