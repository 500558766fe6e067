-- The atomic star schema that every report reads: one row per resolved person, one per product, one per
-- interaction. Folded from events.mt_events by the projection daemon; a rebuild replays it from scratch.
-- The fact table stays atomic: a user key, a product key, a classification, measures. Attributes live on the
-- dimensions. Every fact carries user_key, so the table can be distributed by user (Citus) later.

create table warehouse.dim_users (
    user_key             bigint primary key,
    user_id              text null,             -- the known user id; null for a visitor who never logged in
    anonymous_ids        text[] not null default '{}', -- every tracker anonymous id stitched to this person
    first_seen_at        timestamptz null,      -- time of the first activity event (page, screen, user track); null = no activity (identify-only)
    first_source         text null,             -- first-touch UTM of that first activity event, lower(trim()); null = (direct)
    first_medium         text null,
    first_campaign       text null,
    first_referrer       text null,
    first_landing_page   text null,
    first_device         text null,
    first_country        text null,
    traits               jsonb not null default '{}',
    updated_at           timestamptz not null default now()
);
create unique index dim_users_user_id on warehouse.dim_users (user_id) where user_id is not null;
create index dim_users_first_seen_at on warehouse.dim_users (first_seen_at);

create table warehouse.dim_products (
    product_key    bigint primary key,      -- 0 is the designated "no product" member
    product_id     text not null unique,
    sku            text null,
    name           text null,
    category       text null,
    brand          text null,
    price          numeric(18, 4) null,
    currency       text null,
    attributes     jsonb not null default '{}',
    first_seen_at  timestamptz null,
    updated_at     timestamptz not null default now()
);
insert into warehouse.dim_products (product_key, product_id, name) values (0, '(none)', '(no product)');

create table warehouse.fct_interactions (
    interaction_id  text not null,          -- event id, plus ':<line>' for order lines
    user_key        bigint not null,
    product_key     bigint not null default 0,
    category        text not null,          -- product_view, add_to_cart, remove_from_cart, checkout, purchase, refund, page_view, screen_view, custom
    subcategory     text null,              -- the tracker event name (track) or page/screen name
    occurred_at     timestamptz not null,   -- corrected Segment timestamp, UTC
    received_at     timestamptz not null,   -- when the warehouse received the event; drives "as of" queries
    order_id        text null,
    quantity        integer null,
    revenue         numeric(18, 4) null,    -- purchase lines: the order's revenue allocated over lines (sums to the order's revenue); refunds: refunded amount
    currency        text null,
    source          text null,              -- ingestion source (write key name)
    utm_source      text null,              -- context.campaign of this event, lower(trim()); null = no campaign. Lets KPIs
    utm_medium      text null,              --   recompute first touch "as of" a past received time without reading events
    utm_campaign    text null,
    event_seq       bigint not null,        -- events.mt_events.seq_id of the event it came from
    primary key (user_key, interaction_id)
);
create index fct_interactions_occurred_at on warehouse.fct_interactions (occurred_at);
create index fct_interactions_user_occurred on warehouse.fct_interactions (user_key, occurred_at);
create index fct_interactions_order on warehouse.fct_interactions (order_id) where order_id is not null;

comment on table warehouse.dim_users is 'One row per resolved person (anonymous visitors and known users, stitched). first_* is strict first touch.';
comment on table warehouse.dim_products is 'One row per product: the latest catalogue values, or properties seen in events until the catalogue arrives. Key 0 = no product.';
comment on table warehouse.fct_interactions is 'One atomic row per interaction (one per product line for orders). Orders are deduplicated on order_id.';
