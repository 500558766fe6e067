-- Runs on every migrate: builds the KPI pre-aggregates of every zone whose state is missing or belongs
-- to a fact table that is no longer the live one. When they are current this does nothing (empty key list), so
-- a routine migrate costs nothing; after a rebuild the swapped-in warehouse is never read with stale aggregates.
-- Inside a rebuild's swap (warehouse.in_rebuild_swap = on) it does nothing: the swap holds exclusive locks on every
-- warehouse table, so the rebuild runs this refresh right after the swap commits (KpiPreaggregates.OnSwappedInAsync);
-- meanwhile the kpi views compute from the facts, with the same answers.
select warehouse.kpi_refresh('{}'::bigint[]) where current_setting('warehouse.in_rebuild_swap', true) is distinct from 'on';
