create function kpi.state_users(p_tz text, p_as_of timestamptz, p_keys bigint[], p_stored boolean)
returns table (user_key bigint, first_seen_at timestamptz, first_day date, source text, medium text, campaign text)
language plpgsql stable as $$
begin
    if p_stored then
        return query select u.user_key, u.first_seen_at, u.first_day, u.source, u.medium, u.campaign
                     from warehouse.kpi_users u
                     where u.tz = p_tz and (p_keys is null or u.user_key = any(p_keys));
    else
        return query select * from kpi.stg_users(p_tz, p_as_of, p_keys);
    end if;
end $$;
comment on function kpi.state_users(text, timestamptz, bigint[], boolean) is
  'Per-user first touch: stored pre-aggregate state (p_stored) or kpi.stg_users derived from the facts.';
