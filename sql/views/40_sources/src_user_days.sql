-- p_kinds limits the kinds (null = all); p_prev_before keeps only cells whose previous day is before it (distinct
-- users over a range); p_per_day sums each (kind, day) over its previous days (per-day counts). All three are
-- applied inside the scan, so the KPI functions read tens or hundreds of rows, not every cell.
create function kpi.src_user_days(p_tz text, p_as_of timestamptz, p_from_facts boolean, p_lo date, p_hi date,
                                  p_kinds text[] default null, p_prev_before date default null, p_per_day boolean default false)
returns table (kind text, day date, prev_day date, users bigint)
language plpgsql stable as $$
begin
    if not p_from_facts and kpi.preaggregates_current(p_tz, p_as_of) then
        return query
            select a.kind, a.day, case when p_per_day then null else a.prev_day end, sum(a.users)::bigint
            from warehouse.kpi_agg_user_days a
            where a.tz = p_tz and a.day between p_lo and p_hi
              and (p_kinds is null or a.kind = any(p_kinds))
              and (p_prev_before is null or a.prev_day < p_prev_before)
            group by 1, 2, 3;
    else
        return query
            select c.kind, c.day, case when p_per_day then null else c.prev_day end, sum(c.users)::bigint
            from kpi.contrib_user_days(p_tz, p_as_of, null, false) c
            where c.day between p_lo and p_hi
              and (p_kinds is null or c.kind = any(p_kinds))
              and (p_prev_before is null or c.prev_day < p_prev_before)
            group by 1, 2, 3;
    end if;
end $$;
comment on function kpi.src_user_days(text, timestamptz, boolean, date, date, text[], date, boolean) is
  'Distinct-user cells (kind, day, prev_day, users) for days in [p_lo, p_hi], optionally only p_kinds, only cells with prev_day < p_prev_before, or summed per (kind, day) (prev_day null): from the pre-aggregates when current, else from the facts as of p_as_of.';
