-- Distinct users per kind and day, split by the user's previous day of the same kind (-infinity = first).
-- Why the split: distinct users over any range [a, b] = sum(users) where day in [a, b] and prev_day < a,
-- exactly, and the sums stay additive across users, so a per-user change is a subtract-and-add.
create function kpi.contrib_user_days(p_tz text, p_as_of timestamptz, p_keys bigint[], p_stored boolean)
returns table (kind text, day date, prev_day date, users bigint)
language sql stable as $$
    with d as (select * from kpi.state_user_days(p_tz, p_as_of, p_keys, p_stored)),
    kinds as (
        select d.user_key, d.day, 'active' as kind from d
        union all select d.user_key, d.day, 'viewer' from d where d.is_viewer
        union all select d.user_key, d.day, 'adder' from d where d.is_adder
        union all select d.user_key, d.day, 'purchaser' from d where d.is_purchaser
        union all select d.user_key, d.day, 'funnel2' from d where d.funnel_step >= 2
        union all select d.user_key, d.day, 'funnel3' from d where d.funnel_step >= 3
    ),
    linked as (
        select kind, day, coalesce(lag(day) over (partition by kind, user_key order by day), '-infinity'::date) as prev_day
        from kinds
    )
    select kind, day, prev_day, count(*) from linked group by kind, day, prev_day
$$;
comment on function kpi.contrib_user_days(text, timestamptz, bigint[], boolean) is
  'Contribution of the given users (null = all) to warehouse.kpi_agg_user_days: users per kind, day and previous day of that kind.';
