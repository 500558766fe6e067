namespace Warehouse.Simulation.Verification;

/// <summary>Where --verify reads the warehouse's KPIs: the core KPI runner on the database, or GET /api/kpis.</summary>
internal interface IKpiReader
{
    /// <summary>The KPI's rows for days [from, to] bucketed in <paramref name="timeZone"/>, as of now.</summary>
    Task<KpiRows> ReadAsync(string kpi, DateOnly from, DateOnly to, string timeZone, CancellationToken ct);
}

/// <param name="Columns">Every column the KPI has (so a missing one is reported once, even with no rows).</param>
internal sealed record KpiRows(IReadOnlySet<string> Columns, IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows);
