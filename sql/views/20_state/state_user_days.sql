-- The per-user state either as stored in the pre-aggregate tables (p_stored) or derived from the facts.
-- The contribution functions read through these, so stored and derived answers share one definition.
create function kpi.state_user_days(p_tz text, p_as_of timestamptz, p_keys bigint[], p_stored boolean)
returns table (user_key bigint, day date, is_viewer boolean, is_adder boolean, is_purchaser boolean, funnel_step smallint)
language plpgsql stable as $$
begin
    if p_stored then
        return query select d.user_key, d.day, d.is_viewer, d.is_adder, d.is_purchaser, d.funnel_step
                     from warehouse.kpi_user_days d
                     where d.tz = p_tz and (p_keys is null or d.user_key = any(p_keys));
    else
        return query select * from kpi.stg_user_days(p_tz, p_as_of, p_keys);
    end if;
end $$;
comment on function kpi.state_user_days(text, timestamptz, bigint[], boolean) is
  'Per-user activity days: stored pre-aggregate state (p_stored) or kpi.stg_user_days derived from the facts.';
