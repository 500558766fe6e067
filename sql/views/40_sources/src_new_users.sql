create function kpi.src_new_users(p_tz text, p_as_of timestamptz, p_from_facts boolean, p_lo date, p_hi date)
returns table (day date, source text, medium text, campaign text, users bigint)
language plpgsql stable as $$
begin
    if not p_from_facts and kpi.preaggregates_current(p_tz, p_as_of) then
        return query select a.day, a.source, a.medium, a.campaign, a.users from warehouse.kpi_agg_new_users a
                     where a.tz = p_tz and a.day between p_lo and p_hi;
    else
        return query select c.day, c.source, c.medium, c.campaign, c.users from kpi.contrib_new_users(p_tz, p_as_of, null, false) c
                     where c.day between p_lo and p_hi;
    end if;
end $$;
comment on function kpi.src_new_users(text, timestamptz, boolean, date, date) is
  'New users per first-seen day and first touch for days in [p_lo, p_hi]: pre-aggregates when current, else the facts as of p_as_of.';
