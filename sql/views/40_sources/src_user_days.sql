create function kpi.src_user_days(p_tz text, p_as_of timestamptz, p_from_facts boolean, p_lo date, p_hi date)
returns table (kind text, day date, prev_day date, users bigint)
language plpgsql stable as $$
begin
    if not p_from_facts and kpi.preaggregates_current(p_tz, p_as_of) then
        return query select a.kind, a.day, a.prev_day, a.users from warehouse.kpi_agg_user_days a
                     where a.tz = p_tz and a.day between p_lo and p_hi;
    else
        return query select c.kind, c.day, c.prev_day, c.users from kpi.contrib_user_days(p_tz, p_as_of, null, false) c
                     where c.day between p_lo and p_hi;
    end if;
end $$;
comment on function kpi.src_user_days(text, timestamptz, boolean, date, date) is
  'Distinct-user cells (kind, day, prev_day, users) for days in [p_lo, p_hi]: from the pre-aggregates when current, else from the facts as of p_as_of.';
