-- Event store in Marten 9's layout (string stream identity), so a Marten application could read the streams.
-- Differences from Marten's defaults, all additive: a unique index on the event id (idempotent appends), and
-- events.wh_append (set-based append that locks its streams, and so holds an xid, before it calls nextval;
-- the high-water mark relies on that ordering).

create sequence events.mt_events_sequence as bigint start 1 cache 1;

create table events.mt_streams (
    id           varchar primary key,
    type         varchar null,
    version      bigint null,
    timestamp    timestamptz not null default now(),
    created      timestamptz not null default now(),
    tenant_id    varchar default '*DEFAULT*',
    is_archived  bool default false
);

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

-- Appends many events for many streams in one statement. Per stream, versions continue contiguously; the
-- global order is seq_id. Streams are locked first (in id order, so concurrent appenders cannot deadlock),
-- which gives this transaction an xid before any nextval; duplicates are filtered after the locks, so they
-- see every committed copy. Returns one row per input position: its seq_id and version, or duplicate = true.
create function events.wh_append(
    p_ids uuid[], p_streams varchar[], p_types varchar[], p_data jsonb[], p_headers jsonb[], p_timestamps timestamptz[],
    p_dotnet_type varchar default null)
returns table (ord int, seq_id bigint, version bigint, duplicate bool)
language plpgsql as $$
begin
    insert into events.mt_streams (id, version, timestamp, created)
    select distinct s, 0, now(), now() from unnest(p_streams) s
    on conflict (id) do nothing;

    perform 1 from events.mt_streams s where s.id = any(p_streams) order by s.id for update;

    return query
    with input as (
        select t.ord::int as ord, t.id, t.stream_id, t.type, t.data, t.headers, t.ts,
               row_number() over (partition by t.id order by t.ord) as copy_no
        from unnest(p_ids, p_streams, p_types, p_data, p_headers, p_timestamps)
             with ordinality as t(id, stream_id, type, data, headers, ts, ord)
    ), fresh as (
        select i.* from input i
        where i.copy_no = 1 and not exists (select 1 from events.mt_events e where e.id = i.id)
    ), numbered as (
        select f.*, s.version + row_number() over (partition by f.stream_id order by f.ord) as new_version
        from fresh f join events.mt_streams s on s.id = f.stream_id
    ), inserted as (
        insert into events.mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type, headers)
        select nextval('events.mt_events_sequence'), n.id, n.stream_id, n.new_version, n.data, n.type, n.ts, p_dotnet_type, n.headers
        from (select * from numbered order by ord) n
        returning events.mt_events.id, events.mt_events.seq_id, events.mt_events.version, events.mt_events.stream_id
    ), bumped as (
        update events.mt_streams s set version = x.max_version, timestamp = now()
        from (select i.stream_id, max(i.version) as max_version from inserted i group by i.stream_id) x
        where s.id = x.stream_id
        returning s.id
    )
    select i.ord, ins.seq_id, ins.version, (ins.seq_id is null) as duplicate
    from input i left join inserted ins on ins.id = i.id and i.copy_no = 1
    order by i.ord;
end $$;
