-- The reporting range of every kpi function: local dates, both inclusive, in p_tz. Defaults: the 90 days ending
-- today in p_tz (today as of p_as_of when given). Raises invalid_parameter_value (22023) for a bad range or zone,
-- which the API and the CLI turn into a 400 / a usage error.
create function kpi.kpi_range(p_from date, p_to date, p_tz text, p_as_of timestamptz)
returns table (lo date, hi date)
language plpgsql stable as $$
declare
    v_hi date;
    v_lo date;
begin
    -- Not pg_timezone_names: reading it takes tens of milliseconds; converting a time costs nothing.
    begin
        perform now() at time zone p_tz;
    exception when invalid_parameter_value then
        raise exception 'unknown time zone "%": use an IANA name such as UTC or Europe/Berlin', p_tz using errcode = '22023';
    end;
    if p_tz is null then
        raise exception 'the time zone is missing: use an IANA name such as UTC' using errcode = '22023';
    end if;
    v_hi := coalesce(p_to, (coalesce(p_as_of, now()) at time zone p_tz)::date);
    v_lo := coalesce(p_from, v_hi - 89);
    if v_lo > v_hi then
        raise exception 'from (%) is after to (%)', v_lo, v_hi using errcode = '22023';
    end if;
    if v_hi - v_lo > 3660 then
        raise exception 'the range % to % is longer than 10 years; ask for a shorter one', v_lo, v_hi using errcode = '22023';
    end if;
    return query select v_lo, v_hi;
end $$;
comment on function kpi.kpi_range(date, date, text, timestamptz) is
  'Validates and defaults a KPI range: local dates in p_tz, inclusive; default the 90 days ending today (as of p_as_of).';
