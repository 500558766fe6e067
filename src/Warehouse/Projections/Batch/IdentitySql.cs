namespace Warehouse.Projections.Batch;

/// <summary>
/// Identity stitching, set-based per batch. Every id a batch mentions becomes an identity whose key is the
/// hash of the id; identify, alias and any event carrying both ids are links; linked persons merge into the
/// smallest key. Because that rule depends only on which links exist, never on the order they arrived in,
/// a late identify gives the same persons as an early one, and a rebuild gives the same keys as the daemon.
/// {s} is the schema being written (warehouse, or the fresh copy a rebuild fills).
/// </summary>
internal static class IdentitySql
{
    public const string Register = """
        insert into {s}.identities as i (identity, user_key, is_user, last_seen_at)
        select x.id, warehouse.wh_key(x.id), bool_or(x.is_user), max(x.seen_at)
        from (
            select user_id as id, true as is_user, occurred_at as seen_at from _b where user_id is not null and type <> 'product_upserted'
            union all
            select anon_id, false, null from _b where anon_id is not null and type <> 'product_upserted'
            union all
            select previous_id, false, null from _b where previous_id is not null and type = 'alias'
        ) x
        group by x.id
        on conflict (identity) do update
            set is_user = i.is_user or excluded.is_user,
                last_seen_at = greatest(i.last_seen_at, excluded.last_seen_at)
            where (excluded.is_user and not i.is_user)
               or excluded.last_seen_at > coalesce(i.last_seen_at, '-infinity')
        """;

    /// <summary>
    /// _m(old_key, new_key): persons this batch's links join, each mapped to the smallest key of its connected
    /// component. Components are small (a person's devices), so the closure below stays small.
    /// </summary>
    public const string Merges = """
        create temp table _m on commit drop as
        with recursive links as (
            select user_id as x, anon_id as y from _b where user_id is not null and anon_id is not null and type <> 'product_upserted'
            union
            select user_id, previous_id from _b where type = 'alias' and user_id is not null and previous_id is not null
        ), edges as (
            select distinct ia.user_key as a, ib.user_key as b
            from links l
            join {s}.identities ia on ia.identity = l.x
            join {s}.identities ib on ib.identity = l.y
            where ia.user_key <> ib.user_key
        ), undirected as (
            select a, b from edges union select b, a from edges
        ), reach (node, root) as (
            select a, a from undirected
            union
            select u.b, r.root from reach r join undirected u on u.a = r.node
        )
        select node as old_key, min(root) as new_key from reach group by node having min(root) <> node
        """;

    /// <summary>Runs only when _m has rows: moves identities and facts to the surviving key.</summary>
    public const string ApplyMerges = """
        analyze pg_temp._m;
        update {s}.identities i set user_key = m.new_key from _m m where i.user_key = m.old_key;
        update {s}.fct_interactions f set user_key = m.new_key from _m m where f.user_key = m.old_key;
        delete from {s}.dim_users d using _m m where d.user_key = m.old_key;
        """;

    /// <summary>
    /// Each identity keeps its own earliest activity event (strict first touch: that event's campaign, even if
    /// it has none); a person's first touch is the earliest over its identities, so merges need no replay.
    /// </summary>
    public const string FirstTouch = """
        update {s}.identities i
        set first_at = c.occurred_at, first_seq = c.seq,
            first_source = c.utm_source, first_medium = c.utm_medium, first_campaign = c.utm_campaign,
            first_referrer = c.referrer, first_landing_page = c.landing_page, first_device = c.device, first_country = c.country
        from (
            select distinct on (primary_id) *
            from _b where category is not null and category <> 'refund' and primary_id is not null
            order by primary_id, occurred_at, seq
        ) c
        where i.identity = c.primary_id
          and (i.first_at is null or (c.occurred_at, c.seq) < (i.first_at, i.first_seq))
        """;

    /// <summary>
    /// Identify traits, newest event time per key wins; e-mail addresses and phone numbers are pseudonymised
    /// (sha256 of the trimmed lower-case value) before they reach the star schema.
    /// </summary>
    public const string Traits = """
        update {s}.identities i
        set traits = case when i.traits_at is null or t.at >= i.traits_at then i.traits || t.traits else t.traits || i.traits end,
            traits_at = greatest(i.traits_at, t.at)
        from (
            select primary_id, jsonb_object_agg(k, v) as traits, max(occurred_at) as at
            from (
                select distinct on (b.primary_id, e.key) b.primary_id, e.key as k,
                       case when lower(e.key) in ('email', 'phone') and jsonb_typeof(e.value) = 'string'
                            then to_jsonb('sha256:' || encode(sha256(convert_to(lower(trim(e.value #>> '{}')), 'UTF8')), 'hex'))
                            else e.value end as v,
                       b.occurred_at
                from _b b cross join lateral jsonb_each(b.traits) e
                where b.type = 'identify' and b.primary_id is not null
                order by b.primary_id, e.key, b.occurred_at desc, b.seq desc
            ) per_key
            group by primary_id
        ) t
        where i.identity = t.primary_id
        """;

    /// <summary>_k: the persons whose identities this batch touched (after merges).</summary>
    public const string TouchedPersons = """
        create temp table _k on commit drop as
        select distinct i.user_key from {s}.identities i
        where i.identity in (select user_id from _b where user_id is not null
                             union select anon_id from _b where anon_id is not null
                             union select previous_id from _b where previous_id is not null and type = 'alias');
        analyze pg_temp._k;
        """;

    /// <summary>
    /// dim_users recomputed from the identities of each touched person: the canonical user id is the one seen
    /// last (by event time), first touch is the earliest identity's, traits merge newest-first per key.
    /// </summary>
    public const string Users = """
        insert into {s}.dim_users as d (user_key, user_id, anonymous_ids, first_seen_at, first_source, first_medium,
            first_campaign, first_referrer, first_landing_page, first_device, first_country, traits, updated_at)
        select k.user_key,
               (select i.identity from {s}.identities i where i.user_key = k.user_key and i.is_user
                order by i.last_seen_at desc nulls last, i.identity desc limit 1),
               coalesce((select array_agg(i.identity order by i.identity) from {s}.identities i
                         where i.user_key = k.user_key and not i.is_user), '{}'),
               ft.first_at, ft.first_source, ft.first_medium, ft.first_campaign, ft.first_referrer,
               ft.first_landing_page, ft.first_device, ft.first_country,
               coalesce((select jsonb_object_agg(t.key, t.value) from (
                    select distinct on (e.key) e.key, e.value
                    from {s}.identities i cross join lateral jsonb_each(i.traits) e
                    where i.user_key = k.user_key
                    order by e.key, i.traits_at desc nulls last, i.identity) t), '{}'),
               now()
        from _k k
        left join lateral (
            select * from {s}.identities i where i.user_key = k.user_key and i.first_at is not null
            order by i.first_at, i.first_seq limit 1) ft on true
        on conflict (user_key) do update set
            user_id = excluded.user_id, anonymous_ids = excluded.anonymous_ids, first_seen_at = excluded.first_seen_at,
            first_source = excluded.first_source, first_medium = excluded.first_medium, first_campaign = excluded.first_campaign,
            first_referrer = excluded.first_referrer, first_landing_page = excluded.first_landing_page,
            first_device = excluded.first_device, first_country = excluded.first_country, traits = excluded.traits,
            updated_at = excluded.updated_at
        """;
}
