-- Event store in Marten 9's layout (string stream identity), so a Marten application could read the streams.
-- Differences from Marten's defaults, all additive: a unique index on the event id (idempotent appends),
-- events.wh_reserve (set-based append: takes an xid and locks its streams before it calls nextval; the
-- high-water mark relies on that ordering) and events.wh_advance_high_water (logs every passed gap).

create sequence events.mt_events_sequence as bigint start 1 cache 1;

create table events.mt_streams (
    id           varchar primary key,
    type         varchar null,
    version      bigint null,
    timestamp    timestamptz not null default now(),
    created      timestamptz not null default now(),
    tenant_id    varchar default '*DEFAULT*',
    is_archived  bool default false
) with (fillfactor = 70); -- every append rewrites its streams' rows: free space per page keeps those updates HOT

create table events.mt_events (
    seq_id          bigint not null constraint pkey_mt_events_seq_id primary key,
    id              uuid not null,
    stream_id       varchar not null references events.mt_streams(id) on delete cascade,
    version         bigint not null,
    data            jsonb not null,
    type            varchar(500) not null,
    timestamp       timestamptz not null default now(),
    tenant_id       varchar default '*DEFAULT*',
    mt_dotnet_type  varchar null,
    is_archived     bool default false,
    headers         jsonb null
);
alter sequence events.mt_events_sequence owned by events.mt_events.seq_id;
create unique index pk_mt_events_stream_and_version on events.mt_events (stream_id, version);
-- Not in Marten by default: makes a retried delivery of the same (source, messageId) a no-op.
create unique index idx_mt_events_event_id on events.mt_events (id);

create table events.mt_event_progression (
    name          varchar constraint pk_mt_event_progression primary key,
    last_seq_id   bigint null,
    last_updated  timestamptz default transaction_timestamp()
);

-- Every sequence range the high-water mark passed deliberately (a rolled-back or crashed appender's numbers).
create table events.mt_high_water_skips (
    ending_sequence    bigint primary key,
    starting_sequence  bigint not null,
    timestamp          timestamptz not null default now()
);

comment on table events.mt_events is 'Every accepted event, exactly once (unique id), never changed. data = the normalised tracker message; headers = ingestion metadata; timestamp = received time.';

-- First half of an append; the caller then binary-COPYs the fresh rows into mt_events with the numbers returned
-- here, in the same transaction (PostgresEventStore / AppendTransaction). Returns one row per FRESH input
-- position (1-based ord); positions missing from the result are duplicates: an id already stored, or an earlier
-- position of the same call (first write wins).
--  1. pg_current_xact_id() gives the transaction its xid before any nextval. The high-water mark depends on it:
--     every allocated sequence number belongs to a transaction that already had an xid when it was allocated.
--  2. One upsert per stream, in stream-id order (so concurrent appenders cannot deadlock), locks each stream and
--     bumps its version by its number of fresh events; version order then follows sequence order per stream.
--  3. Sequence numbers are drawn in input order after every stream lock is held (the sort forces it).
create function events.wh_reserve(p_ids uuid[], p_streams varchar[])
returns table (ord int, seq_id bigint, version bigint)
language plpgsql as $$
begin
    perform pg_current_xact_id();
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

-- Moves the stored high-water mark from p_from to p_to, which the caller has proved final (every transaction that
-- could hold a number at or below p_to has ended), and logs every hole in (p_from, p_to]: numbers that were
-- allocated but will never be committed (a rolled-back or crashed appender). Several processes may advance
-- concurrently; the log keeps the first record of a hole and the mark only moves forward.
create function events.wh_advance_high_water(p_from bigint, p_to bigint)
returns void
language sql as $$
    insert into events.mt_high_water_skips (ending_sequence, starting_sequence)
    select h.ending, h.starting
    from (
        select x.prev + 1 as starting, x.seq_id - 1 as ending
        from (
            select e.seq_id, lag(e.seq_id, 1, p_from) over (order by e.seq_id) as prev
            from events.mt_events e where e.seq_id > p_from and e.seq_id <= p_to
            union all
            select p_to + 1, coalesce((select max(e.seq_id) from events.mt_events e
                                       where e.seq_id > p_from and e.seq_id <= p_to), p_from)
        ) x
        where x.seq_id > x.prev + 1
    ) h
    on conflict (ending_sequence) do nothing;

    insert into events.mt_event_progression (name, last_seq_id, last_updated)
    values ('HighWaterMark', p_to, now())
    on conflict (name) do update
        set last_seq_id = greatest(events.mt_event_progression.last_seq_id, excluded.last_seq_id),
            last_updated = excluded.last_updated;
$$;
