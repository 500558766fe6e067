create function kpi.state_orders(p_tz text, p_as_of timestamptz, p_keys bigint[], p_stored boolean)
returns table (user_key bigint, order_key text, day date, revenue numeric)
language plpgsql stable as $$
begin
    if p_stored then
        return query select o.user_key, o.order_key, o.day, o.revenue::numeric
                     from warehouse.kpi_orders o
                     where o.tz = p_tz and (p_keys is null or o.user_key = any(p_keys));
    else
        return query select * from kpi.stg_orders(p_tz, p_as_of, p_keys);
    end if;
end $$;
comment on function kpi.state_orders(text, timestamptz, bigint[], boolean) is
  'Deduplicated orders: stored pre-aggregate state (p_stored) or kpi.stg_orders derived from the facts.';
