-- The safe high-water mark waits only for transactions that may draw event numbers, no longer for every
-- transaction of this database that holds an xid: a rebuild chunk, the KPI refresh after a rebuild or any other long
-- write transaction used to hold the mark (and every tailer's freshness) back for its whole life, because the
-- tracker could not tell appenders from other writers. wh_reserve, the only caller of
-- nextval('events.mt_events_sequence'), now takes a shared transaction-level advisory lock before it draws, and the
-- tracker counts only the xid holders that also hold that lock. The proof is unchanged: a transaction that drew a
-- number <= L (the allocated high, read first) took the lock before drawing, so when the locks are read afterwards
-- it holds both or has ended. For the upgrade itself, a transaction that started before this function was replaced
-- may draw without the lock, so the tracker also counts xid holders whose transaction started before it first saw
-- this definition (HighWaterTracker).
create or replace function events.wh_reserve(p_ids uuid[], p_streams varchar[])
returns table (ord int, seq_id bigint, version bigint)
language plpgsql as $$
begin
    perform pg_current_xact_id();
    -- Announces "this transaction may draw event numbers" to the safe high-water mark (HighWaterTracker): taken
    -- before nextval, held until the transaction ends. Shared, so appenders never wait for each other on it.
    perform pg_advisory_xact_lock_shared(6289348692822806084); -- the bytes of "WHAPPEND"
    return query
    with input as (
        select t.id, t.stream_id, t.ord::int as ord
        from unnest(p_ids, p_streams) with ordinality as t(id, stream_id, ord)
    ), fresh as (
        select distinct on (i.id) i.id, i.stream_id, i.ord
        from input i
        where not exists (select 1 from events.mt_events e where e.id = i.id)
        order by i.id, i.ord
    ), counts as (
        select f.stream_id, count(*) as n from fresh f group by f.stream_id
    ), bumped as (
        insert into events.mt_streams as s (id, version, timestamp, created)
        select c.stream_id, c.n, now(), now() from counts c order by c.stream_id
        on conflict (id) do update set version = s.version + excluded.version, timestamp = excluded.timestamp
        returning s.id, s.version
    ), numbered as materialized (
        -- A window over fresh events and their stream's new version instead of a join: unnest() row estimates
        -- are tiny, and the planner would nest-loop a join of thousands of rows.
        select v.ord, v.version
        from (
            select u.ord,
                   max(u.end_version) over (partition by u.stream_id) - count(u.ord) over (partition by u.stream_id)
                   + row_number() over (partition by u.stream_id order by u.ord) as version
            from (select f.stream_id, f.ord, null::bigint as end_version from fresh f
                  union all
                  select b.id, null, b.version from bumped b) u
        ) v
        where v.ord is not null
        order by v.ord
    )
    select n.ord, nextval('events.mt_events_sequence'), n.version from numbered n;
    -- Wakes tailers waiting in LISTEN; delivered only if and when this transaction commits.
    perform pg_notify('wh_events_appended', '');
end $$;

-- The earliest server time at which a tracker saw the definition above (HighWaterTracker writes it once). Any
-- transaction that started later runs the new body; so later trackers (a restarted serve) need not count every long
-- transaction that merely predates their own start.
create table events.wh_append_lock_seen (
    only_row  bool primary key default true check (only_row),
    seen_at   timestamptz not null
);
