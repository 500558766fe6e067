-- The dashboard funnel (kpi-definitions.md §2.1): Product Viewed -> Product Added -> Order Completed, sequential,
-- any attempt counts, window 168 hours from the step-1 event (t1 <= t2 <= t3 <= t1 + 168 h), denominator = users
-- with a step-1 event in the range. Later steps may fall after p_to (inside the window).
create function kpi.funnel(p_from date default null, p_to date default null, p_tz text default 'UTC',
                           p_as_of timestamptz default null, p_from_facts boolean default false)
returns table (step int, step_name text, users bigint, rate_overall numeric, rate_overall_numerator bigint,
               rate_overall_denominator bigint, rate_from_previous numeric, rate_from_previous_numerator bigint,
               rate_from_previous_denominator bigint, window_hours int, is_complete boolean)
language plpgsql stable as $$
declare
    r record;
begin
    select * into r from kpi.kpi_range(p_from, p_to, p_tz, p_as_of);
    return query
        with s as (
            select sum(x.users) filter (where x.kind = 'viewer') as s1,
                   sum(x.users) filter (where x.kind = 'funnel2') as s2,
                   sum(x.users) filter (where x.kind = 'funnel3') as s3
            from kpi.src_user_days(p_tz, p_as_of, p_from_facts, r.lo, r.hi, array['viewer', 'funnel2', 'funnel3'], r.lo) x
            where x.kind in ('viewer', 'funnel2', 'funnel3') and x.prev_day < r.lo
        ),
        steps as (
            select 1 as step, 'Product Viewed' as step_name, coalesce(s.s1, 0)::bigint as users, coalesce(s.s1, 0)::bigint as prev from s
            union all select 2, 'Product Added', coalesce(s.s2, 0)::bigint, coalesce(s.s1, 0)::bigint from s
            union all select 3, 'Order Completed', coalesce(s.s3, 0)::bigint, coalesce(s.s2, 0)::bigint from s
        ),
        first_step as (select steps.users as s1 from steps where steps.step = 1)
        select st.step, st.step_name, st.users,
               round(st.users::numeric / nullif(f.s1, 0), 6), st.users, f.s1,
               round(st.users::numeric / nullif(st.prev, 0), 6), st.users, st.prev,
               168,
               ((r.hi + 1)::timestamp at time zone p_tz) + interval '168 hours' <= coalesce(p_as_of, now())
        from steps st cross join first_step f
        order by st.step;
end $$;
comment on function kpi.funnel(date, date, text, timestamptz, boolean) is
  'Funnel Product Viewed -> Product Added -> Order Completed for users with a Product Viewed on local dates p_from..p_to (p_tz, default last 90 days), facts received by p_as_of (null = now). Sequential order (other events may come between; equal timestamps count as in order), any attempt counts (not only the first view), conversion window 168 hours from the step-1 event: t1 <= t2 <= t3 <= t1 + 168 h. users = distinct users reaching the step; rate_overall = users / step-1 users; rate_from_previous = users / previous step users (6 places). is_complete = every window of the range has closed by p_as_of (or now).';

create view kpi.funnel as select * from kpi.funnel();
comment on view kpi.funnel is 'kpi.funnel() with defaults: step-1 events in the last 90 days (UTC), as of now, 168-hour window.';
comment on column kpi.funnel.step is 'Step number: 1 Product Viewed, 2 Product Added, 3 Order Completed.';
comment on column kpi.funnel.step_name is 'Segment event name of the step.';
comment on column kpi.funnel.users is 'Distinct users with a step-1 event in the range who reached this step within 168 hours of some step-1 event, in order.';
comment on column kpi.funnel.rate_overall is 'users / step-1 users, 6 places.';
comment on column kpi.funnel.rate_overall_numerator is 'users.';
comment on column kpi.funnel.rate_overall_denominator is 'Step-1 users.';
comment on column kpi.funnel.rate_from_previous is 'users / previous step users, 6 places (step 1: 1).';
comment on column kpi.funnel.rate_from_previous_numerator is 'users.';
comment on column kpi.funnel.rate_from_previous_denominator is 'Previous step users (step 1: itself).';
comment on column kpi.funnel.window_hours is 'Conversion window from the step-1 event: 168 hours.';
comment on column kpi.funnel.is_complete is 'False while windows of step-1 events in the range are still open: later conversions can still raise the counts.';
