-- Runs on every migrate and inside a projection rebuild's swap transaction (which re-creates these scripts after
-- swapping in the rebuilt tables): builds the KPI pre-aggregates of every zone whose state is missing or belongs
-- to a fact table that is no longer the live one. When they are current this does nothing (empty key list), so
-- a routine migrate costs nothing; after a rebuild the swapped-in warehouse is never read with stale aggregates.
select warehouse.kpi_refresh('{}'::bigint[]);
