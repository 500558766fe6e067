-- KPI pre-aggregates. They live in schema warehouse (kpi is dropped on every migrate) and are maintained by
-- Warehouse.Kpis.KpiPreaggregates, an IStarSchemaListener, inside the projection transaction: per changed user,
-- the user's old contribution is subtracted and the new one added, so the aggregates are always exactly what a
-- full recomputation from warehouse.fct_interactions would give (the kpi functions check this in tests and in
-- `warehouse bench kpi`). All counts are kept per reporting time zone listed in kpi_timezones.

-- Time zones whose pre-aggregates are kept. Any other zone is still answered, from the facts (slower).
create table warehouse.kpi_timezones (
    tz text primary key
);
insert into warehouse.kpi_timezones (tz) values ('UTC');

-- Per time zone: the newest received_at the aggregates include, and the fact table they were built from
-- (a projection rebuild swaps tables; then the aggregates are stale until rebuilt, and KPIs read the facts).
create table warehouse.kpi_state (
    tz                text primary key,
    received_through  timestamptz null,
    fct_table         oid not null,
    refreshed_at      timestamptz not null default now()
);

-- Per-user state (what the user contributed last time), so a change can subtract it exactly.
create table warehouse.kpi_user_days (
    tz            text not null,
    user_key      bigint not null,
    day           date not null,             -- local day (tz) with at least one activity fact
    is_viewer     boolean not null,          -- a product_view that day
    is_adder      boolean not null,          -- an add_to_cart that day
    is_purchaser  boolean not null,          -- a purchase that day
    funnel_step   smallint not null,         -- furthest funnel step of attempts whose product_view is that day (0 = none)
    primary key (tz, user_key, day)
);

create table warehouse.kpi_users (
    tz              text not null,
    user_key        bigint not null,
    first_seen_at   timestamptz not null,
    first_day       date not null,
    source          text not null,
    medium          text not null,
    campaign        text not null,
    primary key (tz, user_key)
);

create table warehouse.kpi_orders (
    tz          text not null,
    user_key    bigint not null,
    order_key   text not null,               -- order_id, or 'event:<seq>' for a purchase without one
    day         date not null,
    revenue     numeric(18, 4) not null,
    primary key (tz, user_key, order_key)
);

-- Aggregates the kpi functions read.
-- Distinct users over any day range: a user is counted once per (kind, day) with the previous day of the
-- same kind (or -infinity); users in [a, b] = sum(users) where day between a and b and prev_day < a.
create table warehouse.kpi_agg_user_days (
    tz        text not null,
    kind      text not null,                 -- active, viewer, adder, purchaser, funnel2, funnel3
    day       date not null,
    prev_day  date not null,
    users     bigint not null,
    primary key (tz, kind, day, prev_day)
);

create table warehouse.kpi_agg_new_users (
    tz        text not null,
    day       date not null,
    source    text not null,
    medium    text not null,
    campaign  text not null,
    users     bigint not null,
    primary key (tz, day, source, medium, campaign)
);

create table warehouse.kpi_agg_retention (
    tz           text not null,
    kind         text not null,              -- 'on': active in week; 'last': the user's last active week
    cohort_week  date not null,
    week         date not null,
    users        bigint not null,
    primary key (tz, kind, cohort_week, week)
);

-- Orders per day and value: exact sums and exact percentiles (a histogram loses nothing).
create table warehouse.kpi_agg_order_values (
    tz       text not null,
    day      date not null,
    revenue  numeric(18, 4) not null,
    orders   bigint not null,
    primary key (tz, day, revenue)
);

comment on table warehouse.kpi_timezones is 'Reporting time zones whose KPI pre-aggregates are maintained; other zones are computed from the facts.';
comment on table warehouse.kpi_state is 'Per time zone: received_at watermark and fact table the KPI pre-aggregates were built from.';
comment on table warehouse.kpi_user_days is 'KPI state: one row per user and local activity day, with funnel flags.';
comment on table warehouse.kpi_users is 'KPI state: first activity (strict first touch) per user.';
comment on table warehouse.kpi_orders is 'KPI state: deduplicated orders per user with their local day and revenue.';
comment on table warehouse.kpi_agg_user_days is 'Distinct-user counts per kind and local day, split by the previous day of the same kind.';
comment on table warehouse.kpi_agg_new_users is 'New users per local first-seen day and first-touch source/medium/campaign.';
comment on table warehouse.kpi_agg_retention is 'Users per first-seen cohort week and active week (kind on) or last active week (kind last).';
comment on table warehouse.kpi_agg_order_values is 'Deduplicated orders per local day and revenue value.';

-- API tokens: only a SHA-256 of the secret is stored. Own schema, so the dashboards' read-only role (which
-- reads all of warehouse) never sees them.
create schema if not exists access;
revoke all on schema access from public;
create table access.api_tokens (
    token_id     text primary key,           -- the public part printed before the secret
    name         text not null,
    secret_hash  bytea not null,
    scopes       text[] not null,
    created_at   timestamptz not null default now(),
    revoked_at   timestamptz null
);
comment on table access.api_tokens is 'Bearer tokens for the HTTP API; secret stored as SHA-256 only.';
