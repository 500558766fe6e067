-- Distinct users per kind and day, split by the user's previous day of the same kind (-infinity = first).
-- Why the split: distinct users over any range [a, b] = sum(users) where day in [a, b] and prev_day < a,
-- exactly, and the sums stay additive across users, so a per-user change is a subtract-and-add.
create function kpi.contrib_user_days(p_tz text, p_as_of timestamptz, p_keys bigint[], p_stored boolean)
returns table (kind text, day date, prev_day date, users bigint)
language sql stable as $$
    -- One sort by (user, day); each kind's previous day is a running max over the earlier rows of the user.
    with w as (
        select d.day, d.is_viewer, d.is_adder, d.is_purchaser, d.funnel_step,
               max(d.day) over earlier as prev_active,
               max(d.day) filter (where d.is_viewer) over earlier as prev_viewer,
               max(d.day) filter (where d.is_adder) over earlier as prev_adder,
               max(d.day) filter (where d.is_purchaser) over earlier as prev_purchaser,
               max(d.day) filter (where d.funnel_step >= 2) over earlier as prev_funnel2,
               max(d.day) filter (where d.funnel_step >= 3) over earlier as prev_funnel3
        from kpi.state_user_days(p_tz, p_as_of, p_keys, p_stored) d
        window earlier as (partition by d.user_key order by d.day rows between unbounded preceding and 1 preceding)
    )
    select k.kind, w.day, coalesce(k.prev, '-infinity'::date) as prev_day, count(*)
    from w cross join lateral (values
        ('active', true, w.prev_active), ('viewer', w.is_viewer, w.prev_viewer), ('adder', w.is_adder, w.prev_adder),
        ('purchaser', w.is_purchaser, w.prev_purchaser), ('funnel2', w.funnel_step >= 2, w.prev_funnel2),
        ('funnel3', w.funnel_step >= 3, w.prev_funnel3)) k(kind, has, prev)
    where k.has
    group by 1, 2, 3
$$;
comment on function kpi.contrib_user_days(text, timestamptz, bigint[], boolean) is
  'Contribution of the given users (null = all) to warehouse.kpi_agg_user_days: users per kind, day and previous day of that kind.';
