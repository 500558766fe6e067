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
    /// <summary>
    /// Every id the batch mentions becomes (or stays) an identity; each identity also keeps its own earliest
    /// activity event (strict first touch: that event's campaign, even if it has none). A person's first touch is
    /// the earliest over its identities, so merges need no replay. Identify traits too: newest event time per key
    /// wins. One statement writes all three, so a new identity is written once, not inserted and then updated
    /// (those updates were a fifth of a rebuild's time).
    /// </summary>
    public static readonly string Register = """
        insert into {s}.identities as i (identity, user_key, is_user, last_seen_at, first_at, first_seq, first_source,
            first_medium, first_campaign, first_referrer, first_landing_page, first_device, first_country, traits, traits_at)
        select g.id, coalesce(g.person_key, warehouse.wh_key(g.id)), g.is_user, g.seen_at, f.occurred_at, f.seq, f.utm_source, f.utm_medium,
               f.utm_campaign, f.referrer, f.landing_page, f.device, f.country, coalesce(t.traits, '{}'), t.at
        from (
            -- person_key: the final key a parallel rebuild already knows (null otherwise: the id's own key, merged later)
            select x.id, bool_or(x.is_user) as is_user, max(x.seen_at) as seen_at, max(x.person_key) as person_key
            from (
                select user_id as id, true as is_user, occurred_at as seen_at, person_key from _b where user_id is not null and type <> 'product_upserted'
                union all
                select anon_id, false, null, person_key from _b where anon_id is not null and type <> 'product_upserted'
                union all
                -- identify and alias events have no category: said here, a rebuild's staging reads one partition for them
                select previous_id, false, null, person_key from _b where previous_id is not null and type = 'alias' and category is null
            ) x
            group by x.id
        ) g
        left join (
            -- only the columns it writes: _b's rows carry the properties and traits, costly to sort
            select distinct on (primary_id) primary_id, occurred_at, seq, utm_source, utm_medium, utm_campaign,
                   referrer, landing_page, device, country
            from _b where category is not null and category <> 'refund' and primary_id is not null
            order by primary_id, occurred_at, seq
        ) f on f.primary_id = g.id
        left join (
            -- identify traits: per key the newest value (event time, then sequence); e-mail addresses and phone
            -- numbers pseudonymised (sha256 of the trimmed lower-case value) before they reach the star schema
            select primary_id, jsonb_object_agg(k, v) as traits, max(occurred_at) as at
            from (
                select distinct on (b.primary_id, e.key) b.primary_id, e.key as k,
                       case when lower(e.key) in ('email', 'phone') and jsonb_typeof(e.value) = 'string'
                            then to_jsonb('sha256:' || encode(sha256(convert_to(lower(trim(e.value #>> '{}')), 'UTF8')), 'hex'))
                            else e.value end as v,
                       b.occurred_at
                from _b b cross join lateral jsonb_each(b.traits) e
                where b.type = 'identify' and b.category is null and b.primary_id is not null
                order by b.primary_id, e.key, b.occurred_at desc, b.seq desc
            ) per_key
            group by primary_id
        ) t on t.primary_id = g.id
        on conflict (identity) do update
            set is_user = i.is_user or excluded.is_user,
                last_seen_at = greatest(i.last_seen_at, excluded.last_seen_at),
                first_at = case when {earlier} then excluded.first_at else i.first_at end,
                first_seq = case when {earlier} then excluded.first_seq else i.first_seq end,
                first_source = case when {earlier} then excluded.first_source else i.first_source end,
                first_medium = case when {earlier} then excluded.first_medium else i.first_medium end,
                first_campaign = case when {earlier} then excluded.first_campaign else i.first_campaign end,
                first_referrer = case when {earlier} then excluded.first_referrer else i.first_referrer end,
                first_landing_page = case when {earlier} then excluded.first_landing_page else i.first_landing_page end,
                first_device = case when {earlier} then excluded.first_device else i.first_device end,
                first_country = case when {earlier} then excluded.first_country else i.first_country end,
                -- the newer side's keys win; traits of the same time: this batch's
                traits = case when excluded.traits_at is null then i.traits
                              when i.traits_at is null or excluded.traits_at >= i.traits_at then i.traits || excluded.traits
                              else excluded.traits || i.traits end,
                traits_at = greatest(i.traits_at, excluded.traits_at)
            where (excluded.is_user and not i.is_user)
               or excluded.last_seen_at > coalesce(i.last_seen_at, '-infinity')
               or {earlier}
               or excluded.traits_at is not null
        """.Replace("{earlier}", EarlierFirstTouch, StringComparison.Ordinal);

    /// <summary>
    /// Register into tables that hold none of the batch's ids yet (a parallel rebuild's first range: fresh tables,
    /// and each worker writes only its own persons): a plain insert, about half the cost per row of the upsert.
    /// </summary>
    public static readonly string RegisterFresh = Register[..Register.IndexOf("on conflict", StringComparison.Ordinal)];

    /// <summary>The batch brings an activity event earlier (event time, then sequence) than the identity's first.</summary>
    private const string EarlierFirstTouch =
        "(excluded.first_at is not null and (i.first_at is null or (excluded.first_at, excluded.first_seq) < (i.first_at, i.first_seq)))";

    /// <summary>
    /// The links this batch brings, as pairs of person keys that differ (identify, alias, any event with both
    /// ids). The connected components are found in memory (StarSchemaBatch): a handful of pairs per batch.
    /// </summary>
    public const string Links = """
        with links as (
            select user_id as x, anon_id as y from _b where user_id is not null and anon_id is not null and type <> 'product_upserted'
            union
            select user_id, previous_id from _b where type = 'alias' and user_id is not null and previous_id is not null
        )
        select distinct ia.user_key, ib.user_key
        from links l
        join {s}.identities ia on ia.identity = l.x
        join {s}.identities ib on ib.identity = l.y
        where ia.user_key <> ib.user_key
        """;

    /// <summary>_m(old_key, new_key): each merged-away person and the smallest key of its component.</summary>
    public const string StoreMerges = """
        create temp table _m on commit drop as select * from unnest($1::bigint[], $2::bigint[]) as m(old_key, new_key)
        """;

    /// <summary>Runs only when _m has rows: moves identities and facts to the surviving key.</summary>
    public const string ApplyMerges = """
        analyze pg_temp._m;
        update {s}.identities i set user_key = m.new_key from _m m where i.user_key = m.old_key;
        update {s}.fct_interactions f set user_key = m.new_key from _m m where f.user_key = m.old_key;
        delete from {s}.dim_users d using _m m where d.user_key = m.old_key;
        """;

    /// <summary>_k: the persons whose identities this batch touched (after merges).</summary>
    public const string TouchedPersons = """
        create temp table _k on commit drop as
        select distinct i.user_key from {s}.identities i
        where i.identity in (select user_id from _b where user_id is not null
                             union select anon_id from _b where anon_id is not null
                             union select previous_id from _b where previous_id is not null and type = 'alias');
        analyze pg_temp._k (user_key);
        """;

    /// <summary>The same in a parallel rebuild's worker: every event there carries its person's final key.</summary>
    public const string DecidedTouchedPersons = """
        create temp table _k on commit drop as
        select distinct person_key as user_key from _b where person_key is not null;
        analyze pg_temp._k (user_key);
        """;

    /// <summary>
    /// dim_users recomputed from the identities of each touched person: the canonical user id is the one seen
    /// last (by event time), first touch is the earliest identity's, traits merge newest-first per key.
    /// </summary>
    public const string Users = """
        insert into {s}.dim_users as d (user_key, user_id, anonymous_ids, first_seen_at, first_source, first_medium,
            first_campaign, first_referrer, first_landing_page, first_device, first_country, traits, updated_at)
        with ids as (
            select i.* from {s}.identities i join _k k on k.user_key = i.user_key
        ), anon as (
            select user_key, coalesce(array_agg(identity order by identity) filter (where not is_user), '{}') as anonymous_ids
            from ids group by user_key
        ), canonical as (
            select distinct on (user_key) user_key, identity as user_id
            from ids where is_user order by user_key, last_seen_at desc nulls last, identity desc
        ), first_touch as (
            select distinct on (user_key) * from ids where first_at is not null order by user_key, first_at, first_seq
        ), traits as (
            select user_key, jsonb_object_agg(key, value) as traits
            from (select distinct on (ids.user_key, e.key) ids.user_key, e.key, e.value
                  from ids cross join lateral jsonb_each(ids.traits) e
                  where ids.traits <> '{}' -- most identities have none: no function call for them
                  order by ids.user_key, e.key, ids.traits_at desc nulls last, ids.identity) t
            group by user_key
        )
        select a.user_key, c.user_id, a.anonymous_ids, f.first_at, f.first_source, f.first_medium, f.first_campaign,
               f.first_referrer, f.first_landing_page, f.first_device, f.first_country, coalesce(t.traits, '{}'), now()
        from anon a
        left join canonical c on c.user_key = a.user_key
        left join first_touch f on f.user_key = a.user_key
        left join traits t on t.user_key = a.user_key
        on conflict (user_key) do update set
            user_id = excluded.user_id, anonymous_ids = excluded.anonymous_ids, first_seen_at = excluded.first_seen_at,
            first_source = excluded.first_source, first_medium = excluded.first_medium, first_campaign = excluded.first_campaign,
            first_referrer = excluded.first_referrer, first_landing_page = excluded.first_landing_page,
            first_device = excluded.first_device, first_country = excluded.first_country, traits = excluded.traits,
            updated_at = excluded.updated_at
        """;

    /// <summary>
    /// Users for persons not written yet (a parallel rebuild's first range): a plain insert, for the persons whose
    /// key the caller's condition on <c>i.user_key</c> selects (its share), in place of the touched persons _k: in a
    /// first range those are all of the share's persons, and naming them costs nothing where _k took a scan of the
    /// share (0.15 s of 500k events) and a join.
    /// </summary>
    public static string UsersFresh(string persons) =>
        Users[..Users.IndexOf("on conflict", StringComparison.Ordinal)].Replace("join _k k on k.user_key = i.user_key", "where " + persons, StringComparison.Ordinal);
}
