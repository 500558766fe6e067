-- Every user with activity is "new" exactly once: the acquisition pre-aggregate counts each active user once,
-- in every time zone kept. Returns the zones where the counts differ.
select s.tz, (select coalesce(sum(a.users), 0) from warehouse.kpi_agg_new_users a where a.tz = s.tz) as new_users,
       (select count(distinct f.user_key) from warehouse.fct_interactions f where f.category <> 'refund') as active_users
from warehouse.kpi_state s
where s.fct_table = 'warehouse.fct_interactions'::regclass::oid
  and s.received_through is not distinct from (select max(received_at) from warehouse.fct_interactions)
  and (select coalesce(sum(a.users), 0) from warehouse.kpi_agg_new_users a where a.tz = s.tz)
      <> (select count(distinct f.user_key) from warehouse.fct_interactions f where f.category <> 'refund');
