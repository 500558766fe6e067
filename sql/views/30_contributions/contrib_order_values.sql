create function kpi.contrib_order_values(p_tz text, p_as_of timestamptz, p_keys bigint[], p_stored boolean)
returns table (day date, revenue numeric, orders bigint)
language sql stable as $$
    select o.day, o.revenue, count(*) from kpi.state_orders(p_tz, p_as_of, p_keys, p_stored) o group by 1, 2
$$;
comment on function kpi.contrib_order_values(text, timestamptz, bigint[], boolean) is
  'Contribution of the given users (null = all) to warehouse.kpi_agg_order_values: orders per local day and revenue value.';
