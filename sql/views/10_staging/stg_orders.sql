-- Orders deduplicated by order_id, keeping the earliest copy (occurred_at, then event_seq): a double-fired order
-- counts once. The projection already keeps one copy per order_id; this makes the KPIs safe even if it did not.
-- A purchase without an order_id is its own order. Revenue = sum of the kept copy's lines (Segment revenue:
-- without shipping and tax; null counts as 0). Refunds are separate facts and never reduce it. One currency is
-- assumed (the facts carry currency; convert before mixing).
create function kpi.stg_orders(p_tz text, p_as_of timestamptz, p_keys bigint[])
returns table (user_key bigint, order_key text, day date, revenue numeric)
language sql stable as $$
    with copies as (
        select f.user_key, coalesce(f.order_id, 'event:' || f.event_seq) as order_key, f.event_seq,
               min(f.occurred_at) as occurred_at, coalesce(sum(f.revenue), 0) as revenue
        from warehouse.fct_interactions f
        where f.category = 'purchase'
          and (p_as_of is null or f.received_at <= p_as_of)
          and (p_keys is null or f.user_key = any(p_keys))
        group by 1, 2, 3
    )
    select distinct on (order_key) user_key, order_key, (occurred_at at time zone p_tz)::date, revenue
    from copies
    order by order_key, occurred_at, event_seq
$$;
comment on function kpi.stg_orders(text, timestamptz, bigint[]) is
  'Staging: orders of facts received by p_as_of (null = all), deduplicated by order_id keeping the earliest copy; revenue = Segment revenue (excl. shipping, tax) summed over the kept lines; local day in p_tz.';
