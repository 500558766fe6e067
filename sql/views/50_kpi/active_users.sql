-- DAU/WAU/MAU as PostHog does (kpi-definitions.md §4): unique users in the trailing window ending on the day,
-- calendar days in the reporting time zone: WAU [d-6, d], MAU [d-29, d], MAU28 [d-27, d].
create function kpi.active_users(p_from date default null, p_to date default null, p_tz text default 'UTC',
                                 p_as_of timestamptz default null, p_from_facts boolean default false)
returns table (day date, dau bigint, wau bigint, mau bigint, mau28 bigint, stickiness numeric,
               wau_complete boolean, mau_complete boolean)
language plpgsql stable as $$
declare
    r record;
    v_first date;
begin
    select * into r from kpi.kpi_range(p_from, p_to, p_tz, p_as_of);
    v_first := kpi.src_first_day(p_tz, p_as_of, p_from_facts);
    return query
        -- A cell (day x, previous day p, n users) counts in the W-day window ending on d exactly when
        -- max(x, p + W) <= d <= x + W - 1: an interval, so each window is a running sum of +n/-n deltas.
        with a as (
            select s.day, s.prev_day, s.users from kpi.src_user_days(p_tz, p_as_of, p_from_facts, r.lo - 29, r.hi, array['active']) s
        ),
        deltas as (
            select w.w, greatest(a.day, a.prev_day + w.w) as day, a.users as delta
            from a cross join (values (1), (7), (28), (30)) w(w)
            where greatest(a.day, a.prev_day + w.w) <= a.day + w.w - 1
            union all
            select w.w, a.day + w.w, -a.users
            from a cross join (values (1), (7), (28), (30)) w(w)
            where greatest(a.day, a.prev_day + w.w) <= a.day + w.w - 1
        ),
        per_day as (select d.w, d.day, sum(d.delta) as delta from deltas d group by 1, 2),
        grid as (
            select w.w, g::date as day
            from generate_series((r.lo - 29)::timestamp, r.hi::timestamp, interval '1 day') g
            cross join (values (1), (7), (28), (30)) w(w)
        ),
        running as (
            select g.w, g.day, sum(coalesce(p.delta, 0)) over (partition by g.w order by g.day) as users
            from grid g left join per_day p on p.w = g.w and p.day = g.day
        ),
        counts as (
            select x.day,
                   sum(x.users) filter (where x.w = 1)::bigint as dau, sum(x.users) filter (where x.w = 7)::bigint as wau,
                   sum(x.users) filter (where x.w = 30)::bigint as mau, sum(x.users) filter (where x.w = 28)::bigint as mau28
            from running x where x.day >= r.lo
            group by x.day
        )
        select c.day, c.dau, c.wau, c.mau, c.mau28,
               round(c.dau::numeric / nullif(c.mau, 0), 6),
               v_first is not null and c.day - 6 >= v_first,
               v_first is not null and c.day - 29 >= v_first
        from counts c
        order by c.day;
end $$;
comment on function kpi.active_users(date, date, text, timestamptz, boolean) is
  'Active users per local day (p_tz) for p_from..p_to inclusive (default last 90 days), facts received by p_as_of (null = now). Active = any fact but refund (identify is not activity). DAU = users active on the day; WAU = trailing 7 days [d-6, d]; MAU = trailing 30 days [d-29, d]; MAU28 = 4 whole weeks [d-27, d]; stickiness = DAU / MAU (30-day), rounded to 6 places. *_complete is false when the window reaches before the first day with data.';

create view kpi.active_users as select * from kpi.active_users();
comment on view kpi.active_users is 'kpi.active_users() with defaults: last 90 days in UTC, as of now. Trailing windows, see the function comment.';
comment on column kpi.active_users.day is 'Local day (UTC).';
comment on column kpi.active_users.dau is 'Distinct users with any activity (every fact but refund) on the day.';
comment on column kpi.active_users.wau is 'Distinct active users in the trailing 7 days [day-6, day].';
comment on column kpi.active_users.mau is 'Distinct active users in the trailing 30 days [day-29, day] (MAU30).';
comment on column kpi.active_users.mau28 is 'Distinct active users in the trailing 28 days [day-27, day]: whole weeks, no weekday mix effect.';
comment on column kpi.active_users.stickiness is 'dau / mau (30-day) on the day, 6 places; numerator dau, denominator mau. Null when mau = 0. Do not average it: re-derive from dau and mau.';
comment on column kpi.active_users.wau_complete is 'False when the 7-day window starts before the first day with data.';
comment on column kpi.active_users.mau_complete is 'False when the 30-day window starts before the first day with data.';
