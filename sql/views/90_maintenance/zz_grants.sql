-- The dashboards' read-only role runs the kpi functions behind the kpi views. EXECUTE is PUBLIC's by default;
-- granted explicitly so that a server whose default privileges were hardened still lets dashboards read KPIs.
-- (The role's select on kpi views and warehouse tables comes from the migrator; the functions read warehouse.)
grant execute on all functions in schema kpi to public;
