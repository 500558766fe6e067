-- Per-day conversion (kpi-definitions.md §2.2, §2.3). Every rate comes with its numerator and denominator,
-- because rates cannot be re-aggregated (weekly conversion is not the mean of daily rates).
create function kpi.conversion(p_from date default null, p_to date default null, p_tz text default 'UTC',
                               p_as_of timestamptz default null, p_from_facts boolean default false)
returns table (day date, visitors bigint, product_viewers bigint, adders bigint, purchasers bigint, orders bigint,
               revenue numeric,
               purchase_rate numeric, purchase_rate_numerator bigint, purchase_rate_denominator bigint,
               aov numeric, aov_numerator numeric, aov_denominator bigint,
               arpu numeric, arpu_numerator numeric, arpu_denominator bigint,
               arppu numeric, arppu_numerator numeric, arppu_denominator bigint)
language plpgsql stable as $$
declare
    r record;
begin
    select * into r from kpi.kpi_range(p_from, p_to, p_tz, p_as_of);
    return query
        with u as (
            select s.day,
                   sum(s.users) filter (where s.kind = 'active') as visitors,
                   sum(s.users) filter (where s.kind = 'viewer') as viewers,
                   sum(s.users) filter (where s.kind = 'adder') as adders,
                   sum(s.users) filter (where s.kind = 'purchaser') as purchasers
            from kpi.src_user_days(p_tz, p_as_of, p_from_facts, r.lo, r.hi, array['active', 'viewer', 'adder', 'purchaser'], null, true) s
            group by s.day
        ),
        o as (
            select v.day, sum(v.orders) as orders, sum(v.revenue * v.orders) as revenue
            from kpi.src_order_values(p_tz, p_as_of, p_from_facts, r.lo, r.hi) v
            group by v.day
        ),
        days as (select g::date as day from generate_series(r.lo::timestamp, r.hi::timestamp, interval '1 day') g),
        t as (
            select d.day,
                   coalesce(u.visitors, 0)::bigint as visitors, coalesce(u.viewers, 0)::bigint as viewers,
                   coalesce(u.adders, 0)::bigint as adders, coalesce(u.purchasers, 0)::bigint as purchasers,
                   coalesce(o.orders, 0)::bigint as orders, coalesce(o.revenue, 0)::numeric(18, 4) as revenue
            from days d left join u using (day) left join o using (day)
        )
        select t.day, t.visitors, t.viewers, t.adders, t.purchasers, t.orders, t.revenue,
               round(t.purchasers::numeric / nullif(t.visitors, 0), 6), t.purchasers, t.visitors,
               round(t.revenue / nullif(t.orders, 0), 4), t.revenue, t.orders,
               round(t.revenue / nullif(t.visitors, 0), 4), t.revenue, t.visitors,
               round(t.revenue / nullif(t.purchasers, 0), 4), t.revenue, t.purchasers
        from t
        order by t.day;
end $$;
comment on function kpi.conversion(date, date, text, timestamptz, boolean) is
  'Conversion per local day (p_tz) for p_from..p_to inclusive (default last 90 days), facts received by p_as_of (null = now). Users are stitched user keys; anonymous visitors count. visitors = active users (any fact but refund); orders deduplicated by order_id (earliest copy), dated by that copy; revenue = Segment revenue (excl. shipping and tax), refunds not subtracted. Rates are ratios of counts (never averages): purchase_rate = purchasers/visitors (6 places), aov = revenue/orders, arpu = revenue/visitors, arppu = revenue/purchasers (4 places); null when the denominator is 0.';

create view kpi.conversion as select * from kpi.conversion();
comment on view kpi.conversion is 'kpi.conversion() with defaults: last 90 days in UTC, as of now. Sum numerators and denominators to re-aggregate; never average the rates.';
comment on column kpi.conversion.day is 'Local day (UTC).';
comment on column kpi.conversion.visitors is 'Distinct active users on the day (any fact but refund).';
comment on column kpi.conversion.product_viewers is 'Distinct users with a Product Viewed (product_view) on the day.';
comment on column kpi.conversion.adders is 'Distinct users with a Product Added (add_to_cart) on the day.';
comment on column kpi.conversion.purchasers is 'Distinct users with an Order Completed (purchase) on the day.';
comment on column kpi.conversion.orders is 'Orders on the day, deduplicated by order_id keeping the earliest copy.';
comment on column kpi.conversion.revenue is 'Sum of Segment revenue (excl. shipping and tax) of those orders; refunds are not subtracted.';
comment on column kpi.conversion.purchase_rate is 'purchasers / visitors, 6 places.';
comment on column kpi.conversion.purchase_rate_numerator is 'purchasers.';
comment on column kpi.conversion.purchase_rate_denominator is 'visitors.';
comment on column kpi.conversion.aov is 'Average order value: revenue / orders, 4 places.';
comment on column kpi.conversion.aov_numerator is 'revenue.';
comment on column kpi.conversion.aov_denominator is 'orders.';
comment on column kpi.conversion.arpu is 'Average revenue per active user: revenue / visitors, 4 places.';
comment on column kpi.conversion.arpu_numerator is 'revenue.';
comment on column kpi.conversion.arpu_denominator is 'visitors.';
comment on column kpi.conversion.arppu is 'Average revenue per paying user: revenue / purchasers, 4 places.';
comment on column kpi.conversion.arppu_numerator is 'revenue.';
comment on column kpi.conversion.arppu_denominator is 'purchasers.';
