-- Weeks start on Monday (ISO, date_trunc('week')) in the reporting time zone. The cohort is the week of
-- first_seen; kind 'on' counts users active in a week; kind 'last' counts users by their last active week, so that
-- "active in week k or later" = users whose last active week >= k.
create function kpi.contrib_retention(p_tz text, p_as_of timestamptz, p_keys bigint[], p_stored boolean)
returns table (kind text, cohort_week date, week date, users bigint)
language sql stable as $$
    with u as (
        select s.user_key, date_trunc('week', s.first_day)::date as cohort_week
        from kpi.state_users(p_tz, p_as_of, p_keys, p_stored) s
    ),
    w as (
        select distinct d.user_key, date_trunc('week', d.day)::date as week
        from kpi.state_user_days(p_tz, p_as_of, p_keys, p_stored) d
    ),
    cells as (
        select 'on' as kind, u.cohort_week, w.week, count(*) as users
        from u join w using (user_key) group by u.cohort_week, w.week
        union all
        select 'last', u.cohort_week, l.week, count(*)
        from u join (select user_key, max(week) as week from w group by user_key) l using (user_key)
        group by u.cohort_week, l.week
    )
    select * from cells
$$;
comment on function kpi.contrib_retention(text, timestamptz, bigint[], boolean) is
  'Contribution of the given users (null = all) to warehouse.kpi_agg_retention: users per cohort week and active week (on) or last active week (last); Monday weeks in p_tz.';
