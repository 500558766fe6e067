create function kpi.acquisition(p_from date default null, p_to date default null, p_tz text default 'UTC',
                                p_as_of timestamptz default null, p_from_facts boolean default false)
returns table (day date, source text, medium text, campaign text, new_users bigint)
language plpgsql stable as $$
declare
    r record;
begin
    select * into r from kpi.kpi_range(p_from, p_to, p_tz, p_as_of);
    return query
        select n.day, n.source, n.medium, n.campaign, sum(n.users)::bigint
        from kpi.src_new_users(p_tz, p_as_of, p_from_facts, r.lo, r.hi) n
        group by 1, 2, 3, 4
        having sum(n.users) <> 0
        order by 1, 5 desc, 2, 3, 4;
end $$;
comment on function kpi.acquisition(date, date, text, timestamptz, boolean) is
  'Acquisition: new users per local day (p_tz, default UTC) by strict first-touch source/medium/campaign, for local dates p_from..p_to inclusive (default the last 90 days), counting only facts received by p_as_of (null = now). New user = first activity (every fact but refund) falls on the day; each user is new exactly once. UTM lower(trim()); no campaign on the first activity event = (direct)/(none)/(direct) even if later visits carry UTMs; missing parts of a partial campaign = (not set). p_from_facts forces the computation from fct_interactions (for checks).';

create view kpi.acquisition as select * from kpi.acquisition();
comment on view kpi.acquisition is 'kpi.acquisition() with defaults: last 90 days in UTC, as of now. Strict first touch, see the function comment.';
comment on column kpi.acquisition.day is 'Local day (UTC) of the user''s first activity (first_seen).';
comment on column kpi.acquisition.source is 'First-touch utm_source, lower(trim()); (direct) when the first activity event had no campaign; (not set) when only other parts were set.';
comment on column kpi.acquisition.medium is 'First-touch utm_medium, lower(trim()); (none) when the first activity event had no campaign.';
comment on column kpi.acquisition.campaign is 'First-touch utm_campaign (Segment context.campaign.name), lower(trim()); (direct) when the first activity event had no campaign.';
comment on column kpi.acquisition.new_users is 'Users whose first activity falls on the day with this first touch. Additive across days and sources.';
