create function kpi.src_order_values(p_tz text, p_as_of timestamptz, p_from_facts boolean, p_lo date, p_hi date)
returns table (day date, revenue numeric, orders bigint)
language plpgsql stable as $$
begin
    if not p_from_facts and kpi.preaggregates_current(p_tz, p_as_of) then
        return query select a.day, a.revenue::numeric, a.orders from warehouse.kpi_agg_order_values a
                     where a.tz = p_tz and a.day between p_lo and p_hi;
    else
        return query select c.day, c.revenue, c.orders from kpi.contrib_order_values(p_tz, p_as_of, null, false) c
                     where c.day between p_lo and p_hi;
    end if;
end $$;
comment on function kpi.src_order_values(text, timestamptz, boolean, date, date) is
  'Orders per day and revenue value for days in [p_lo, p_hi]: pre-aggregates when current, else the facts as of p_as_of.';
