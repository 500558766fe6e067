using System.Globalization;

namespace Warehouse.Projections.Batch;

/// <summary>
/// Step 1 of a batch: read the batch's events once, straight from events.mt_events (they never travel to the
/// client), parse and classify them into the temp table _b. Every later step is a set-based statement over _b.
/// Casts are strict on purpose: an event whose time or amounts are not what the format promises fails the batch,
/// and the projector isolates it into the dead letters (docs/event-format.md is the contract).
/// </summary>
internal static class StageSql
{
    /// <summary>A batch may run several ranges in one transaction (the projector splits a failing one).</summary>
    public const string DropTemps = "drop table if exists pg_temp._b, pg_temp._l, pg_temp._m, pg_temp._w, pg_temp._k";

    /// <summary>A parallel rebuild's worker or products connection: _b and _l are its views (PurchaseLinesView, LinesView).</summary>
    public const string DropTempsOfShare = "drop table if exists pg_temp._m, pg_temp._w, pg_temp._k";

    /// <summary>The events with floor &lt; seq_id ≤ ceiling into _b. The bounds are longs from code, formatted invariantly.</summary>
    public static string Stage(long floor, long ceiling) => "create temp table _b on commit drop as\n" + Select(floor, ceiling, null);

    /// <summary>
    /// _b's rows. With a person map (a parallel rebuild, Rebuild/ParallelReplay) each also carries its person's
    /// final key: from the map (own key → final key) when the person's ids merge, else the key of the event's
    /// primary id itself (a person that merges with nobody keeps its own key).
    /// </summary>
    public static string Select(long floor, long ceiling, string? personMap) => SelectTemplate
        .Replace("{person_key}", personMap is null ? "null::bigint" : "coalesce(pm.user_key, warehouse.wh_key(p.primary_id))", StringComparison.Ordinal)
        .Replace("{person_join}", personMap is null ? "" : $"left join {personMap} pm on pm.own_key = warehouse.wh_key(p.primary_id)", StringComparison.Ordinal)
        .Replace("$1", floor.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("$2", ceiling.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private const string SelectTemplate = """
        select e.seq_id as seq, e.id as event_id, e.type, {person_key} as person_key,
               e.timestamp as received_at,
               e.headers ->> 'source' as source,
               m.user_id,
               m.anon_id,
               nullif(e.data ->> 'previousId', '') as previous_id,
               p.primary_id,
               coalesce((e.data ->> 'timestamp')::timestamptz, e.timestamp) as occurred_at,
               c.category,
               case when e.type = 'track' then m.event
                    when e.type in ('page', 'screen') then coalesce(e.data ->> 'name', m.properties ->> 'name') end as subcategory,
               case when jsonb_typeof(m.properties) = 'object' then m.properties else '{}' end as props,
               case when jsonb_typeof(m.traits) = 'object' then m.traits else '{}' end as traits,
               case when e.type = 'product_upserted' then e.data end as data, -- only the catalogue reads the whole message
               nullif(lower(trim(m.context #>> '{campaign,source}')), '') as utm_source,
               nullif(lower(trim(m.context #>> '{campaign,medium}')), '') as utm_medium,
               nullif(lower(trim(m.context #>> '{campaign,name}')), '') as utm_campaign,
               nullif(coalesce(m.context #>> '{page,referrer}', m.properties ->> 'referrer'), '') as referrer,
               nullif(coalesce(m.context #>> '{page,path}', m.properties ->> 'path',
                               m.context #>> '{page,url}', m.properties ->> 'url'), '') as landing_page,
               nullif(coalesce(m.context #>> '{device,type}', m.context #>> '{os,name}'), '') as device,
               nullif(coalesce(m.context #>> '{location,country}',
                               upper(split_part(replace(m.context #>> '{locale}', '_', '-'), '-', 2))), '') as country
        from events.mt_events e
        -- the message's parts that several columns read, each found once per event (offset 0 keeps this a step of
        -- its own: inlined, every column would search the whole message again; a tenth of the staging's time)
        cross join lateral (
            select e.data -> 'context' as context, e.data -> 'properties' as properties, e.data -> 'traits' as traits, e.data ->> 'event' as event,
                   nullif(e.data ->> 'userId', '') as user_id, nullif(e.data ->> 'anonymousId', '') as anon_id
            offset 0) m
        cross join lateral (select coalesce(m.user_id, m.anon_id) as primary_id) p
        {person_join}
        cross join lateral (select case
            when e.type = 'page' then 'page_view'
            when e.type = 'screen' then 'screen_view'
            when e.type <> 'track' then null
            else case lower(trim(m.event))
                when 'product viewed' then 'product_view'
                when 'viewed product' then 'product_view'
                when 'product added' then 'add_to_cart'
                when 'added product' then 'add_to_cart'
                when 'product removed' then 'remove_from_cart'
                when 'removed product' then 'remove_from_cart'
                when 'checkout started' then 'checkout'
                when 'started checkout' then 'checkout'
                when 'checkout step viewed' then 'checkout'
                when 'viewed checkout step' then 'checkout'
                when 'checkout step completed' then 'checkout'
                when 'completed checkout step' then 'checkout'
                when 'order completed' then 'purchase'
                when 'completed order' then 'purchase'
                when 'order refunded' then 'refund'
                when 'refunded order' then 'refund'
                else 'custom' end
            end as category) c
        where e.seq_id > $1 and e.seq_id <= $2
        """;

    /// <summary>What the later statements filter and join on; the jsonb columns are skipped (costly to sample).</summary>
    public const string Analyze = "analyze pg_temp._b (seq, type, category, primary_id, user_id, anon_id, previous_id)";

    /// <summary>Which kinds of work the batch holds, so the daemon's small batches skip the statements they do not need.</summary>
    public const string Kinds = """
        select count(*),
               count(*) filter (where type = 'product_upserted'),
               count(*) filter (where category = 'purchase'),
               count(*) filter (where category in ('product_view', 'add_to_cart', 'remove_from_cart', 'purchase')),
               count(*) filter (where (user_id is not null and anon_id is not null) or type = 'alias')
        from _b
        """;

    /// <summary>
    /// Product-bearing lines: one per product event (the properties are the product), one per products[]
    /// entry of an order (n = 1..), or one line without a product (n = null) for an order without products.
    /// The event's time and currency come along, so the product upsert reads _l alone (joining _b back was most of
    /// its time).
    /// </summary>
    public const string Lines = "create temp table _l on commit drop as\n" + ProductEventLines + "\nunion all\n" + OrderProductLines;

    /// <summary>
    /// The same lines as a view, for a parallel rebuild's products connection: its one reader
    /// (FactSql.TrackerProducts) reads them once, so writing them to a table would only cost (on the bench store,
    /// 1.1 s of the 2.0 s products took).
    /// </summary>
    public const string LinesView = "create or replace temp view _l as\n" + ProductEventLines + "\nunion all\n" + OrderProductLines;

    /// <summary>
    /// Only the order lines, as a view: a parallel rebuild's workers leave products to their own connection, and
    /// read the lines once (for the order facts), so writing them to a table would only cost.
    /// </summary>
    public const string PurchaseLinesView = "create or replace temp view _l as\n" + OrderProductLines;

    private const string ProductEventLines = """
        select b.seq, b.event_id, b.category, null::bigint as n, b.props as p,
               nullif(coalesce(b.props ->> 'product_id', b.props ->> 'sku', b.props ->> 'id'), '') as product_id,
               b.occurred_at, b.props ->> 'currency' as event_currency
        from _b b where b.category in ('product_view', 'add_to_cart', 'remove_from_cart')
        """;

    private const string OrderProductLines = """
        select b.seq, b.event_id, b.category, x.n, x.p,
               nullif(coalesce(x.p ->> 'product_id', x.p ->> 'sku', x.p ->> 'id'), '') as product_id,
               b.occurred_at, b.props ->> 'currency' as event_currency
        from _b b
        left join lateral jsonb_array_elements(case when jsonb_typeof(b.props -> 'products') = 'array'
                                               then b.props -> 'products' else '[]' end) with ordinality as x(p, n) on true
        where b.category = 'purchase'
        """;
}
