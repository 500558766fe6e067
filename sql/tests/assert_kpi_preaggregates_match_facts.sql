-- The KPI pre-aggregates (maintained incrementally by the projection) equal a full recomputation from the
-- facts, for every time zone whose pre-aggregates are current. Returns the cells that differ.
with zones as (
    select s.tz from warehouse.kpi_state s
    where s.fct_table = 'warehouse.fct_interactions'::regclass::oid
      and s.received_through is not distinct from (select max(received_at) from warehouse.fct_interactions)
),
stored as (
    select 'user_days' as agg, a.tz, a.kind || '|' || a.day || '|' || a.prev_day as cell, a.users::numeric as value
    from warehouse.kpi_agg_user_days a join zones using (tz)
    union all select 'new_users', a.tz, a.day || '|' || a.source || '|' || a.medium || '|' || a.campaign, a.users
    from warehouse.kpi_agg_new_users a join zones using (tz)
    union all select 'retention', a.tz, a.kind || '|' || a.cohort_week || '|' || a.week, a.users
    from warehouse.kpi_agg_retention a join zones using (tz)
    union all select 'order_values', a.tz, a.day || '|' || a.revenue::numeric(18, 4), a.orders
    from warehouse.kpi_agg_order_values a join zones using (tz)
),
derived as (
    select 'user_days' as agg, z.tz, c.kind || '|' || c.day || '|' || c.prev_day as cell, c.users::numeric as value
    from zones z cross join lateral kpi.contrib_user_days(z.tz, null, null, false) c
    union all select 'new_users', z.tz, c.day || '|' || c.source || '|' || c.medium || '|' || c.campaign, c.users
    from zones z cross join lateral kpi.contrib_new_users(z.tz, null, null, false) c
    union all select 'retention', z.tz, c.kind || '|' || c.cohort_week || '|' || c.week, c.users
    from zones z cross join lateral kpi.contrib_retention(z.tz, null, null, false) c
    union all select 'order_values', z.tz, c.day || '|' || c.revenue::numeric(18, 4), c.orders
    from zones z cross join lateral kpi.contrib_order_values(z.tz, null, null, false) c
)
select coalesce(s.agg, d.agg) as aggregate, coalesce(s.tz, d.tz) as tz, coalesce(s.cell, d.cell) as cell,
       s.value as stored, d.value as derived
from stored s full join derived d on s.agg = d.agg and s.tz = d.tz and s.cell = d.cell
where s.value is distinct from d.value;
