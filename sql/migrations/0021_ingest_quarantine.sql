-- Every message ingestion rejected, with its raw bytes and the reason: nothing is silently dropped.
-- raw is bytea so that anything a client sent (invalid UTF-8, NUL) is kept verbatim; a retried delivery of
-- the same rejected message is stored once (unique raw hash per source).
create table ingest.quarantine (
    quarantine_id  bigint generated always as identity primary key,
    source_id      bigint null references ingest.sources (source_id),
    received_at    timestamptz not null default now(),
    path           text not null,           -- the endpoint it came to (/v1/batch, /v1/t, /v1/products, ...)
    batch_index    integer null,            -- its position in the batch; null for a whole body
    message_id     text null,               -- as sent, when it could be read
    reason         text not null,
    raw            bytea not null,
    raw_sha256     bytea not null,
    ip             text null
);
create unique index quarantine_source_raw on ingest.quarantine (coalesce(source_id, 0), raw_sha256, reason);
create index quarantine_received_at on ingest.quarantine (received_at);

comment on table ingest.quarantine is 'Rejected tracker messages (raw bytes and reason); `warehouse quarantine list` shows them.';
