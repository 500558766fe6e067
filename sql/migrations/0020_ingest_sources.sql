-- Ingestion: tracker sources and their write keys. Only a SHA-256 of each key is stored (keys are 192-bit
-- random, so a plain hash is enough); the key itself is printed once by `warehouse sources add`.
-- Schema ingest is not granted to the read-only role: dashboards never see keys or rejected raw messages.
create schema if not exists ingest;
revoke all on schema ingest from public;

create table ingest.sources (
    source_id        bigint generated always as identity primary key,
    name             text not null unique,
    write_key_hash   bytea not null unique,
    key_prefix       text not null,           -- the first characters of the key, so a person can tell keys apart
    allowed_origins  text[] null,             -- CORS: null = any origin; otherwise exact origins (https://shop.example)
    created_at       timestamptz not null default now(),
    revoked_at       timestamptz null
);

comment on table ingest.sources is 'One row per tracker source; requests authenticate with the write key whose hash is stored here.';
