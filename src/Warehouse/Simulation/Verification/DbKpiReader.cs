using Npgsql;
using Warehouse.Kpis;

namespace Warehouse.Simulation.Verification;

/// <summary>Reads KPIs straight from the database through the core KPI runner (the same path as the API).</summary>
internal sealed class DbKpiReader(NpgsqlDataSource dataSource) : IKpiReader
{
    public async Task<KpiRows> ReadAsync(string kpi, DateOnly from, DateOnly to, string timeZone, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var result = await KpiQuery.RunAsync(connection, new KpiRequest(kpi, from, to, timeZone), ct);
        return new KpiRows(result.Columns.ToHashSet(StringComparer.Ordinal), result.RowObjects().ToList());
    }
}
