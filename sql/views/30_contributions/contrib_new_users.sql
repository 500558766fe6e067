create function kpi.contrib_new_users(p_tz text, p_as_of timestamptz, p_keys bigint[], p_stored boolean)
returns table (day date, source text, medium text, campaign text, users bigint)
language sql stable as $$
    select u.first_day, u.source, u.medium, u.campaign, count(*)
    from kpi.state_users(p_tz, p_as_of, p_keys, p_stored) u
    group by 1, 2, 3, 4
$$;
comment on function kpi.contrib_new_users(text, timestamptz, bigint[], boolean) is
  'Contribution of the given users (null = all) to warehouse.kpi_agg_new_users: new users per first-seen day and first touch.';
