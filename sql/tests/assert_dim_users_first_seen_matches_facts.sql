-- dim_users.first_seen_at is the time of the user's first activity fact (every category but refund), and a
-- person without activity (identify-only) has none. Returns the users where the projection and the facts disagree.
select u.user_key, u.first_seen_at, f.first_activity_at
from warehouse.dim_users u
left join (
    select user_key, min(occurred_at) as first_activity_at
    from warehouse.fct_interactions where category <> 'refund' group by user_key
) f using (user_key)
where u.first_seen_at is distinct from f.first_activity_at;
