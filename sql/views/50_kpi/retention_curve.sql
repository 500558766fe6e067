-- The headline retention curve (kpi-definitions.md §3): per week offset, the mean over cohorts weighted by
-- cohort size, over the cells that are complete (PostHog's default): sum(active) / sum(cohort_size).
create function kpi.retention_curve(p_from date default null, p_to date default null, p_tz text default 'UTC',
                                    p_as_of timestamptz default null, p_from_facts boolean default false)
returns table (week_offset int, cohorts bigint, cohort_users bigint, active_users bigint, active_or_later bigint,
               retention_rate numeric, retention_or_later_rate numeric)
language sql stable as $$
    select r.week_offset, count(*), sum(r.cohort_size)::bigint, sum(r.active_users)::bigint, sum(r.active_or_later)::bigint,
           round(sum(r.active_users)::numeric / nullif(sum(r.cohort_size), 0), 6),
           round(sum(r.active_or_later)::numeric / nullif(sum(r.cohort_size), 0), 6)
    from kpi.retention(p_from, p_to, p_tz, p_as_of, p_from_facts) r
    where r.is_complete
    group by r.week_offset
    order by r.week_offset
$$;
comment on function kpi.retention_curve(date, date, text, timestamptz, boolean) is
  'Retention curve over the cohorts of kpi.retention (same arguments): per week offset, the cohort-size-weighted mean over complete cells only: sum(active_users) / sum(cohort_size), and the same for on-or-after. 6 places.';

create view kpi.retention_curve as select * from kpi.retention_curve();
comment on view kpi.retention_curve is 'kpi.retention_curve() with defaults: cohorts of the last 90 days in UTC, as of now.';
comment on column kpi.retention_curve.week_offset is 'k: weeks after the cohort week.';
comment on column kpi.retention_curve.cohorts is 'Cohorts whose week k is complete.';
comment on column kpi.retention_curve.cohort_users is 'Sum of their cohort sizes: the denominator.';
comment on column kpi.retention_curve.active_users is 'Sum of their users active in week k: the numerator of retention_rate.';
comment on column kpi.retention_curve.active_or_later is 'Sum of their users active in week k or later: the numerator of retention_or_later_rate.';
comment on column kpi.retention_curve.retention_rate is 'active_users / cohort_users (weighted mean), 6 places.';
comment on column kpi.retention_curve.retention_or_later_rate is 'active_or_later / cohort_users, 6 places.';
