-- Order value over the whole range (kpi-definitions.md §2.3, §5). Percentiles use percentile_cont (linear
-- interpolation at position (n-1)p, numpy's default), computed exactly from the per-value order counts; they are
-- not additive, so this is one row for the range, never an average of daily percentiles.
create function kpi.order_value(p_from date default null, p_to date default null, p_tz text default 'UTC',
                                p_as_of timestamptz default null, p_from_facts boolean default false)
returns table (orders bigint, revenue numeric, aov numeric, p50 double precision, p90 double precision,
               p99 double precision, percentile_method text)
language plpgsql stable as $$
declare
    r record;
begin
    select * into r from kpi.kpi_range(p_from, p_to, p_tz, p_as_of);
    return query
        with h as (
            select v.revenue, sum(v.orders)::bigint as n
            from kpi.src_order_values(p_tz, p_as_of, p_from_facts, r.lo, r.hi) v
            group by v.revenue having sum(v.orders) > 0
        ),
        cum as (select h.revenue, h.n, sum(h.n) over (order by h.revenue) - h.n as before from h),
        tot as (select coalesce(sum(h.n), 0)::bigint as n, coalesce(sum(h.revenue * h.n), 0)::numeric(18, 4) as revenue from h),
        pos as (
            select p.p, p.p * (t.n - 1) as x, floor(p.p * (t.n - 1))::bigint as i1, ceil(p.p * (t.n - 1))::bigint as i2
            from tot t cross join (values (0.5::float8), (0.9::float8), (0.99::float8)) p(p)
            where t.n > 0
        ),
        pct as (
            -- Same arithmetic as PostgreSQL's percentile_cont: first + (second - first) * (x - floor(x)), in float8.
            select pos.p,
                   case when pos.i1 = pos.i2 then v1.revenue::float8
                        else v1.revenue::float8 + (v2.revenue::float8 - v1.revenue::float8) * (pos.x - pos.i1) end as v
            from pos
            join cum v1 on pos.i1 >= v1.before and pos.i1 < v1.before + v1.n
            join cum v2 on pos.i2 >= v2.before and pos.i2 < v2.before + v2.n
        )
        select t.n, t.revenue, round(t.revenue / nullif(t.n, 0), 4),
               (select pct.v from pct where pct.p = 0.5), (select pct.v from pct where pct.p = 0.9),
               (select pct.v from pct where pct.p = 0.99), 'percentile_cont'
        from tot t;
end $$;
comment on function kpi.order_value(date, date, text, timestamptz, boolean) is
  'Order value for orders on local dates p_from..p_to (p_tz, default last 90 days), facts received by p_as_of (null = now): orders (deduplicated by order_id, earliest copy), revenue (Segment revenue, excl. shipping and tax, refunds not subtracted), aov = revenue / orders (4 places), and p50/p90/p99 of order revenue with percentile_cont (linear interpolation at (n-1)p). Percentiles are not additive: one row for the whole range.';

create view kpi.order_value as select * from kpi.order_value();
comment on view kpi.order_value is 'kpi.order_value() with defaults: orders of the last 90 days in UTC, as of now. One row.';
comment on column kpi.order_value.orders is 'Orders in the range, deduplicated by order_id (earliest copy kept).';
comment on column kpi.order_value.revenue is 'Sum of their Segment revenue (excl. shipping and tax); refunds not subtracted.';
comment on column kpi.order_value.aov is 'revenue / orders, 4 places; numerator revenue, denominator orders.';
comment on column kpi.order_value.p50 is 'Median order revenue, percentile_cont(0.5).';
comment on column kpi.order_value.p90 is '90th percentile of order revenue, percentile_cont(0.9).';
comment on column kpi.order_value.p99 is '99th percentile of order revenue, percentile_cont(0.99).';
comment on column kpi.order_value.percentile_method is 'Always percentile_cont (interpolating), never percentile_disc.';
