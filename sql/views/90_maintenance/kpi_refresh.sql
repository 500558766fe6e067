-- Keeps the KPI pre-aggregates exact. Called by the projection (Warehouse.Kpis.KpiPreaggregates) inside its
-- transaction with the users a batch changed (merged-away keys included), or with null to rebuild everything.
-- Per time zone: subtract the users' stored contribution, re-derive their state from the facts, add it back.
-- A zone without current state (first build, new zone, or a fact table swapped in by a projection rebuild) is
-- rebuilt from scratch whatever the keys; so kpi_refresh('{}') builds exactly the stale zones.
-- Created here (re-created on every migrate) rather than in a migration so it can evolve with the kpi functions.
-- Lives in schema warehouse, so the read-only role cannot run it.
create or replace function warehouse.kpi_refresh(p_keys bigint[])
returns void
language plpgsql as $$
declare
    v_tz text;
    v_sign int;
begin
    -- UTC is always kept, even if a rebuild left kpi_timezones empty.
    for v_tz in select tz from warehouse.kpi_timezones union select 'UTC' order by 1 loop
        if p_keys is null or not exists (
            select 1 from warehouse.kpi_state s
            where s.tz = v_tz and s.fct_table = 'warehouse.fct_interactions'::regclass::oid) then
            -- Rebuild (or first build, or the fact table was swapped by a projection rebuild): from scratch.
            delete from warehouse.kpi_agg_user_days where tz = v_tz;
            delete from warehouse.kpi_agg_new_users where tz = v_tz;
            delete from warehouse.kpi_agg_retention where tz = v_tz;
            delete from warehouse.kpi_agg_order_values where tz = v_tz;
            delete from warehouse.kpi_user_days where tz = v_tz;
            delete from warehouse.kpi_users where tz = v_tz;
            delete from warehouse.kpi_orders where tz = v_tz;
            insert into warehouse.kpi_user_days select v_tz, d.* from kpi.stg_user_days(v_tz, null, null) d;
            insert into warehouse.kpi_users select v_tz, u.* from kpi.stg_users(v_tz, null, null) u;
            insert into warehouse.kpi_orders select v_tz, o.* from kpi.stg_orders(v_tz, null, null) o;
            insert into warehouse.kpi_agg_user_days select v_tz, c.* from kpi.contrib_user_days(v_tz, null, null, true) c;
            insert into warehouse.kpi_agg_new_users select v_tz, c.* from kpi.contrib_new_users(v_tz, null, null, true) c;
            insert into warehouse.kpi_agg_retention select v_tz, c.* from kpi.contrib_retention(v_tz, null, null, true) c;
            insert into warehouse.kpi_agg_order_values select v_tz, c.* from kpi.contrib_order_values(v_tz, null, null, true) c;
            insert into warehouse.kpi_state (tz, received_through, fct_table, refreshed_at)
            values (v_tz, (select max(received_at) from warehouse.fct_interactions), 'warehouse.fct_interactions'::regclass::oid, now())
            on conflict (tz) do update set received_through = excluded.received_through, fct_table = excluded.fct_table,
                                           refreshed_at = excluded.refreshed_at;
            continue;
        end if;

        foreach v_sign in array array[-1, 1] loop
            if v_sign = 1 then
                delete from warehouse.kpi_user_days where tz = v_tz and user_key = any(p_keys);
                delete from warehouse.kpi_users where tz = v_tz and user_key = any(p_keys);
                delete from warehouse.kpi_orders where tz = v_tz and user_key = any(p_keys);
                insert into warehouse.kpi_user_days select v_tz, d.* from kpi.stg_user_days(v_tz, null, p_keys) d;
                insert into warehouse.kpi_users select v_tz, u.* from kpi.stg_users(v_tz, null, p_keys) u;
                insert into warehouse.kpi_orders select v_tz, o.* from kpi.stg_orders(v_tz, null, p_keys) o;
            end if;
            insert into warehouse.kpi_agg_user_days as a
            select v_tz, c.kind, c.day, c.prev_day, v_sign * c.users from kpi.contrib_user_days(v_tz, null, p_keys, true) c
            on conflict (tz, kind, day, prev_day) do update set users = a.users + excluded.users;
            insert into warehouse.kpi_agg_new_users as a
            select v_tz, c.day, c.source, c.medium, c.campaign, v_sign * c.users from kpi.contrib_new_users(v_tz, null, p_keys, true) c
            on conflict (tz, day, source, medium, campaign) do update set users = a.users + excluded.users;
            insert into warehouse.kpi_agg_retention as a
            select v_tz, c.kind, c.cohort_week, c.week, v_sign * c.users from kpi.contrib_retention(v_tz, null, p_keys, true) c
            on conflict (tz, kind, cohort_week, week) do update set users = a.users + excluded.users;
            insert into warehouse.kpi_agg_order_values as a
            select v_tz, c.day, c.revenue, v_sign * c.orders from kpi.contrib_order_values(v_tz, null, p_keys, true) c
            on conflict (tz, day, revenue) do update set orders = a.orders + excluded.orders;
        end loop;
        -- Cells that fell to zero say nothing; drop them so the tables stay small.
        delete from warehouse.kpi_agg_user_days where tz = v_tz and users = 0;
        delete from warehouse.kpi_agg_new_users where tz = v_tz and users = 0;
        delete from warehouse.kpi_agg_retention where tz = v_tz and users = 0;
        delete from warehouse.kpi_agg_order_values where tz = v_tz and orders = 0;
        update warehouse.kpi_state
        set received_through = greatest(received_through,
                (select max(f.received_at) from warehouse.fct_interactions f where f.user_key = any(p_keys))),
            refreshed_at = now()
        where tz = v_tz;
    end loop;
end $$;
revoke all on function warehouse.kpi_refresh(bigint[]) from public;
comment on function warehouse.kpi_refresh(bigint[]) is
  'Maintains the KPI pre-aggregates for the given user keys (subtract stored contribution, re-derive, add), or rebuilds them all (null). Run inside the projection transaction.';
