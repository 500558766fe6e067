create function kpi.src_retention(p_tz text, p_as_of timestamptz, p_from_facts boolean, p_lo date, p_hi date)
returns table (kind text, cohort_week date, week date, users bigint)
language plpgsql stable as $$
begin
    if not p_from_facts and kpi.preaggregates_current(p_tz, p_as_of) then
        return query select a.kind, a.cohort_week, a.week, a.users from warehouse.kpi_agg_retention a
                     where a.tz = p_tz and a.cohort_week between p_lo and p_hi;
    else
        return query select c.kind, c.cohort_week, c.week, c.users from kpi.contrib_retention(p_tz, p_as_of, null, false) c
                     where c.cohort_week between p_lo and p_hi;
    end if;
end $$;
comment on function kpi.src_retention(text, timestamptz, boolean, date, date) is
  'Retention cells for cohort weeks in [p_lo, p_hi]: pre-aggregates when current, else the facts as of p_as_of.';
