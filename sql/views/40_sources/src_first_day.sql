create function kpi.src_first_day(p_tz text, p_as_of timestamptz, p_from_facts boolean)
returns date
language plpgsql stable as $$
begin
    if not p_from_facts and kpi.preaggregates_current(p_tz, p_as_of) then
        return (select min(a.day) from warehouse.kpi_agg_user_days a where a.tz = p_tz and a.kind = 'active');
    end if;
    return (select min((f.occurred_at at time zone p_tz)::date) from warehouse.fct_interactions f
            where f.category <> 'refund' and (p_as_of is null or f.received_at <= p_as_of));
end $$;
comment on function kpi.src_first_day(text, timestamptz, boolean) is
  'The first local day with any activity (as of p_as_of): windows reaching before it are flagged incomplete.';
