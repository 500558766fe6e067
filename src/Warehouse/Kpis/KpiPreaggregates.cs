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
    /// A projection rebuild fills a copy of schema warehouse (every table copied empty), calls this, swaps the
    /// copy in and re-creates sql/views, all in one transaction; the aggregates are rebuilt after it, in
    /// OnSwappedInAsync (their state recorded for the old fact table is stale), so here only the configured
    /// reporting zones are carried over into the copy. Rebuilt in place: rebuild now.
    /// </summary>
    public async Task OnRebuiltAsync(NpgsqlConnection connection, string schema, CancellationToken ct)
    {
        if (string.Equals(schema, "warehouse", StringComparison.Ordinal))
        {
            await RebuildAsync(connection, ct);
            return;
        }
        var quoted = "\"" + schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var cmd = new NpgsqlCommand($"""
            do $$ begin
                if to_regclass('{quoted.Replace("'", "''", StringComparison.Ordinal)}.kpi_timezones') is not null then
                    insert into {quoted}.kpi_timezones (tz) select tz from warehouse.kpi_timezones on conflict do nothing;
                end if;
            end $$
            """, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// After a rebuild's swap: the swap re-created sql/views with warehouse.in_rebuild_swap on, so
    /// zz_refresh_stale.sql left the aggregates of the new fact table unbuilt (and the kpi views computed from the
    /// facts meanwhile, same answers); build the stale zones now, outside the swap's exclusive locks.
    /// </summary>
    public async Task OnSwappedInAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        // Then statistics for the tables just filled (swapped in empty), so the daemon's incremental upkeep plans
        // on real row counts from its first batch.
        await using var cmd = new NpgsqlCommand("""
            select warehouse.kpi_refresh('{}'::bigint[]);
            do $$ declare t text; begin
                for t in select format('analyze warehouse.%I', c.relname) from pg_class c
                         where c.relnamespace = 'warehouse'::regnamespace and c.relkind = 'r' and c.relname like 'kpi\_%'
                loop execute t; end loop;
            end $$;
            """, connection) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Rebuilds every pre-aggregate from the facts, set-based (seconds per million facts).</summary>
    public static async Task RebuildAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select warehouse.kpi_refresh(null)", connection) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
