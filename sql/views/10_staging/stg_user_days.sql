-- One row per user and local activity day, from the facts received by p_as_of (null = everything).
-- Activity = every fact category except refund (identify is no fact at all, so an identify-only person is no user).
-- The funnel columns follow kpi-definitions.md §2.1: sequential order, any attempt, window 168 hours (7 days of
-- elapsed time, not calendar days) from the product_view: t1 <= t2 <= t3 <= t1 + 168 h. Equal timestamps count
-- as in order. The earliest add_to_cart at or after t1 is the best t2 (the next purchase after it is the earliest).
create function kpi.stg_user_days(p_tz text, p_as_of timestamptz, p_keys bigint[])
returns table (user_key bigint, day date, is_viewer boolean, is_adder boolean, is_purchaser boolean, funnel_step smallint)
language sql stable as $$
    with facts as (
        select f.user_key, f.category, f.occurred_at, (f.occurred_at at time zone p_tz)::date as day
        from warehouse.fct_interactions f
        where f.category <> 'refund'
          and (p_as_of is null or f.received_at <= p_as_of)
          and (p_keys is null or f.user_key = any(p_keys))
    ),
    next_purchase as (
        select facts.*,
               min(occurred_at) filter (where category = 'purchase') over later as next_purchase_at
        from facts
        window later as (partition by user_key order by occurred_at desc range between unbounded preceding and current row)
    ),
    next_add as (
        select next_purchase.*,
               min(occurred_at) filter (where category = 'add_to_cart') over later as next_add_at,
               min(next_purchase_at) filter (where category = 'add_to_cart') over later as next_add_purchase_at
        from next_purchase
        window later as (partition by user_key order by occurred_at desc range between unbounded preceding and current row)
    )
    select user_key, day,
           bool_or(category = 'product_view'),
           bool_or(category = 'add_to_cart'),
           bool_or(category = 'purchase'),
           coalesce(max(case when category = 'product_view' then
                   1 + coalesce((next_add_at <= occurred_at + interval '168 hours')::int, 0)
                     + coalesce((next_add_purchase_at <= occurred_at + interval '168 hours')::int, 0) end), 0)::smallint
    from next_add
    group by user_key, day
$$;
comment on function kpi.stg_user_days(text, timestamptz, bigint[]) is
  'Staging: per user and local day (p_tz) of facts received by p_as_of (null = all): activity flags and the furthest funnel step (1 viewed, 2 added, 3 ordered) of attempts starting that day; window 168 h from the product_view, sequential, any attempt. Activity = every category but refund.';
