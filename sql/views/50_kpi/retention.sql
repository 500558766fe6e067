-- Weekly retention (kpi-definitions.md §3): first-time cohorts by the Monday week of first_seen in the reporting
-- time zone; return = any activity; "on" (active in week k) and "on or after" (active in week k or any later
-- week: the complement of churn). A cell is null until its whole week has passed (by p_as_of, or now).
create function kpi.retention(p_from date default null, p_to date default null, p_tz text default 'UTC',
                              p_as_of timestamptz default null, p_from_facts boolean default false)
returns table (cohort_week date, cohort_size bigint, week_offset int, week date, active_users bigint,
               active_or_later bigint, retention_rate numeric, retention_or_later_rate numeric, is_complete boolean)
language plpgsql stable as $$
declare
    r record;
    v_lo date;
    v_hi date;
    v_now timestamptz := coalesce(p_as_of, now());
begin
    select * into r from kpi.kpi_range(p_from, p_to, p_tz, p_as_of);
    v_lo := date_trunc('week', r.lo)::date;
    v_hi := date_trunc('week', r.hi)::date;
    return query
        with c as (
            select x.kind, x.cohort_week, x.week, sum(x.users) as users
            from kpi.src_retention(p_tz, p_as_of, p_from_facts, v_lo, v_hi) x
            group by 1, 2, 3
        ),
        cohorts as (
            select c.cohort_week, c.users::bigint as size from c where c.kind = 'on' and c.week = c.cohort_week and c.users > 0
        ),
        cells as (
            select h.cohort_week, h.size, k as week_offset, (h.cohort_week + 7 * k) as week,
                   ((h.cohort_week + 7 * (k + 1))::timestamp at time zone p_tz) <= v_now as complete
            from cohorts h cross join lateral generate_series(0, (v_hi - h.cohort_week) / 7) k
        )
        select l.cohort_week, l.size, l.week_offset, l.week,
               case when l.complete then coalesce((select c.users from c where c.kind = 'on' and c.cohort_week = l.cohort_week and c.week = l.week), 0)::bigint end,
               case when l.complete then coalesce((select sum(c.users) from c where c.kind = 'last' and c.cohort_week = l.cohort_week and c.week >= l.week), 0)::bigint end,
               case when l.complete then round(coalesce((select c.users from c where c.kind = 'on' and c.cohort_week = l.cohort_week and c.week = l.week), 0)::numeric / l.size, 6) end,
               case when l.complete then round(coalesce((select sum(c.users) from c where c.kind = 'last' and c.cohort_week = l.cohort_week and c.week >= l.week), 0)::numeric / l.size, 6) end,
               l.complete
        from cells l
        order by l.cohort_week, l.week_offset;
end $$;
comment on function kpi.retention(date, date, text, timestamptz, boolean) is
  'Weekly retention for cohorts whose first-seen week (Monday start, local time in p_tz) starts in the weeks of p_from..p_to (default last 90 days), facts received by p_as_of (null = now). Cohort = first-time (the week of the user''s first activity); return = any activity (every fact but refund); week_offset k runs to the week of p_to. active_users = cohort users active in week k ("on"); active_or_later = active in week k or any later week ("on or after", unbounded). Counts and rates (6 places, denominator cohort_size) are null until the whole week has passed by p_as_of (or now). Weighted mean curve: sum(active_users) / sum(cohort_size) over non-null cells of an offset.';

create view kpi.retention as select * from kpi.retention();
comment on view kpi.retention is 'kpi.retention() with defaults: cohorts of the last 90 days in UTC, as of now.';
comment on column kpi.retention.cohort_week is 'Monday (UTC) of the week of the users'' first activity.';
comment on column kpi.retention.cohort_size is 'Users whose first activity falls in the cohort week.';
comment on column kpi.retention.week_offset is 'k: weeks after the cohort week (0 = the cohort week itself).';
comment on column kpi.retention.week is 'Monday of week cohort_week + k.';
comment on column kpi.retention.active_users is 'Cohort users with activity in week k ("on"); null until the week is complete.';
comment on column kpi.retention.active_or_later is 'Cohort users with activity in week k or any later week ("on or after"); null until week k is complete.';
comment on column kpi.retention.retention_rate is 'active_users / cohort_size, 6 places; null until complete.';
comment on column kpi.retention.retention_or_later_rate is 'active_or_later / cohort_size, 6 places; null until complete.';
comment on column kpi.retention.is_complete is 'True when the whole week k has passed (local Monday of week k+1 <= as_of or now).';
