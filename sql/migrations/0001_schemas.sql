-- The three schemas: raw events, the star schema with projection state, and the reporting layer.
-- kpi holds only objects created from sql/views; it is dropped and re-created on every migrate.
create schema if not exists events;
create schema if not exists warehouse;
create schema if not exists kpi;

comment on schema events is 'Event store (Marten 9 layout): every accepted tracker event, exactly once, never changed.';
comment on schema warehouse is 'Star schema (dim_users, dim_products, fct_interactions) and projection state, folded from events.';
comment on schema kpi is 'Reporting views on the star schema; re-created from sql/views on every migrate.';

-- Nobody but the owner reaches raw events through PUBLIC grants.
revoke all on schema events from public;
