using Npgsql;
using Warehouse.Projections;

namespace Warehouse.Kpis;

/// <summary>
/// Keeps the KPI pre-aggregates (warehouse.kpi_*) exact inside the projection transaction: for the users a
/// batch changed, warehouse.kpi_refresh subtracts their stored contribution, re-derives it from the facts and
/// adds it back, so the aggregates always equal a full recomputation (sql/tests/assert_kpi_preaggregates_match_facts).
/// </summary>
public sealed class KpiPreaggregates : IStarSchemaListener
{
    public async Task OnUsersChangedAsync(NpgsqlConnection connection, IReadOnlyCollection<long> userKeys, CancellationToken ct)
    {
        if (userKeys.Count == 0) return;
        await using var cmd = new NpgsqlCommand("select warehouse.kpi_refresh($1)", connection) { CommandTimeout = 0 };
        cmd.Parameters.Add(new() { Value = userKeys.ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The pre-aggregates read warehouse.fct_interactions by name. When the rebuilt copy is already in schema
    /// warehouse they are rebuilt now; when it sits in another schema until the swap, nothing is done here:
    /// kpi_state records the fact table each aggregate was built from, so after the swap the KPIs read the facts
    /// (correct, slower) and the next refresh rebuilds the aggregates from scratch (or run RebuildAsync).
    /// </summary>
    public async Task OnRebuiltAsync(NpgsqlConnection connection, string schema, CancellationToken ct)
    {
        if (string.Equals(schema, "warehouse", StringComparison.Ordinal)) await RebuildAsync(connection, ct);
    }

    /// <summary>Rebuilds every pre-aggregate from the facts, set-based (seconds per million facts).</summary>
    public static async Task RebuildAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select warehouse.kpi_refresh(null)", connection) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
