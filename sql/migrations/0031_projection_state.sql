-- Projection state beside the star schema (all of it derived from events, so a rebuild refills it):
-- identities (the identity graph: every userId / anonymousId and the person it resolves to), deduplicated
-- orders, the daemon's checkpoint and its dead letters. It lives in schema warehouse so that a rebuild swaps
-- it together with the tables it describes.

-- Surrogate keys are a hash of the natural key, so they do not depend on the order events arrive in:
-- a person's key is the smallest key among its identities (merges keep the smallest), a product's key is the
-- hash of its id. hashtextextended is the function hash partitioning relies on, stable across versions.
create function warehouse.wh_key(natural_key text) returns bigint
language sql immutable parallel safe strict
as $$ select case when k = 0 then 1 else k end from (select hashtextextended(natural_key, 0) as k) h $$;

create table warehouse.identities (
    identity            text primary key,          -- a userId, anonymousId or alias previousId, as sent
    user_key            bigint not null,           -- the person it resolves to (dim_users.user_key)
    is_user             bool not null default false, -- seen as a userId
    last_seen_at        timestamptz null,          -- latest event time at which it was the userId
    -- Its own first activity event (strict first touch); a person's first touch is the earliest of these.
    first_at            timestamptz null,
    first_seq           bigint null,
    first_source        text null,
    first_medium        text null,
    first_campaign      text null,
    first_referrer      text null,
    first_landing_page  text null,
    first_device        text null,
    first_country       text null,
    traits              jsonb not null default '{}', -- identify traits, newest event time per key wins
    traits_at           timestamptz null
);
create index identities_user_key on warehouse.identities (user_key);

-- One row per order id: the purchase event that counts (the earliest by event time, then sequence).
create table warehouse.orders (
    order_id     text primary key,
    event_id     uuid not null,
    event_seq    bigint not null,
    occurred_at  timestamptz not null
);

-- The daemon's position: every event with seq_id <= last_seq is projected. Advanced with a compare-and-set.
create table warehouse.projection_checkpoints (
    name        text primary key,
    last_seq    bigint not null,
    updated_at  timestamptz not null default now()
);
insert into warehouse.projection_checkpoints (name, last_seq) values ('star_schema', 0);

-- Events the projection could not fold (bad data); the daemon moved on. Replay them with a rebuild after a fix.
create table warehouse.projection_dead_letters (
    seq_id      bigint primary key,
    event_id    uuid not null,
    event_type  text not null,
    stream_id   text not null,
    error       text not null,
    sqlstate    text null,
    failed_at   timestamptz not null default now()
);

comment on table warehouse.identities is 'Identity graph: each tracker id and the person (user_key) it resolves to; per-id first touch and traits.';
comment on table warehouse.orders is 'Deduplicated orders: the earliest Order Completed per order_id is the one in fct_interactions.';
comment on table warehouse.projection_checkpoints is 'Projection daemon checkpoint (compare-and-set), swapped with the tables by a rebuild.';
comment on table warehouse.projection_dead_letters is 'Events the projection could not fold, with the error; the daemon moved on.';
