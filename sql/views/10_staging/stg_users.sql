-- Strict first touch (kpi-definitions.md §1): the campaign of the user's first activity event, recomputed from
-- the facts' own utm_* columns, so it can be taken "as of" any received time. Ties on occurred_at: lowest event_seq.
-- Values lower(trim()); empty = absent. No campaign at all on that event = (direct) / (none) / (direct), even if a
-- later visit carries UTMs. A campaign with some parts missing: the missing parts are '(not set)'.
create function kpi.stg_users(p_tz text, p_as_of timestamptz, p_keys bigint[])
returns table (user_key bigint, first_seen_at timestamptz, first_day date, source text, medium text, campaign text)
language sql stable as $$
    with first_touch as (
        select distinct on (f.user_key) f.user_key, f.occurred_at,
               nullif(lower(trim(f.utm_source)), '') as s,
               nullif(lower(trim(f.utm_medium)), '') as m,
               nullif(lower(trim(f.utm_campaign)), '') as c
        from warehouse.fct_interactions f
        where f.category <> 'refund'
          and (p_as_of is null or f.received_at <= p_as_of)
          and (p_keys is null or f.user_key = any(p_keys))
        order by f.user_key, f.occurred_at, f.event_seq, f.interaction_id
    )
    select user_key, occurred_at, (occurred_at at time zone p_tz)::date,
           case when coalesce(s, m, c) is null then '(direct)' else coalesce(s, '(not set)') end,
           case when coalesce(s, m, c) is null then '(none)' else coalesce(m, '(not set)') end,
           case when coalesce(s, m, c) is null then '(direct)' else coalesce(c, '(not set)') end
    from first_touch
$$;
comment on function kpi.stg_users(text, timestamptz, bigint[]) is
  'Staging: per user, the first activity (first_seen) among facts received by p_as_of (null = all) and its strict first-touch UTM, lower(trim()); no campaign = (direct)/(none)/(direct); a partial campaign has (not set) parts.';
