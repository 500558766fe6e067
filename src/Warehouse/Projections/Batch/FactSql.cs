using System.Globalization;

namespace Warehouse.Projections.Batch;

/// <summary>
/// Products and facts of a batch, set-based. Facts carry the person's key as it stands after this batch's
/// merges; a later merge moves them (IdentitySql.ApplyMerges). {s} is the schema being written.
/// </summary>
internal static class FactSql
{
    /// <summary>
    /// Fills in how a fact finds its person and its order: normally from the identities and this batch's winners
    /// (_w); in a parallel rebuild's worker from the event's final person key and the orders decided before it.
    /// </summary>
    public static string ForPersons(string sql, bool decided) => decided
        ? sql.Replace("{person}", "b.person_key", StringComparison.Ordinal)
             .Replace("{person_join}", "", StringComparison.Ordinal)
             .Replace("{winners}", "select event_id from {s}.orders", StringComparison.Ordinal)
        : sql.Replace("{person}", "i.user_key", StringComparison.Ordinal)
             .Replace("{person_join}", "left join {s}.identities i on i.identity = b.primary_id", StringComparison.Ordinal)
             .Replace("{winners}", "select event_id from _w", StringComparison.Ordinal);

    /// <summary>
    /// A parallel rebuild decides a range's orders on another connection while its workers fold the range; that
    /// connection holds this lock until the orders are committed, and a worker's order lines wait for it here.
    /// </summary>
    public static readonly string WaitForDecidedOrders =
        string.Create(CultureInfo.InvariantCulture, $"select pg_advisory_xact_lock_shared({DecidedOrdersLockKey})");

    /// <summary>The bytes of "WHORDERS".</summary>
    public const long DecidedOrdersLockKey = 0x5748_4F52_4445_5253;

    /// <summary>
    /// Products first seen in tracker events get a row from the event's properties; values already there
    /// (from the catalogue or an earlier event) are kept, so the catalogue always wins over tracker properties.
    /// Each field is the first one given, by line (event sequence, then position in the order), in one pass: each
    /// value is prefixed with its line's key as 19 fixed-width digits, so the smallest prefixed value (byte order)
    /// is the first line's, and the prefix is cut off after. (Finding each field's first line and reading it back
    /// with a join read the lines twice: 2.0 s against 1.7 s on 713k lines; ordered array_aggs sorted every
    /// product's lines once per field: slower still.) A line's key packs (seq, n) into one bigint: n is a position
    /// in one message's products array, far below a million within the 32 KB message limit.
    /// </summary>
    public const string TrackerProducts = """
        insert into {s}.dim_products as d (product_key, product_id, sku, name, category, brand, price, currency, first_seen_at)
        select warehouse.wh_key('product:' || f.product_id), f.product_id, substr(f.sku, 20), substr(f.name, 20),
               substr(f.category, 20), substr(f.brand, 20), substr(f.price, 20)::numeric, substr(f.currency, 20), f.first_seen_at
        from (
            select product_id, min(occurred_at) as first_seen_at,
                   min(k || (p ->> 'sku')) as sku,
                   min(k || (p ->> 'name')) as name,
                   min(k || (p ->> 'category')) as category,
                   min(k || (p ->> 'brand')) as brand,
                   min(k || (p ->> 'price')) filter (where (p ->> 'price')::numeric is not null) as price, -- every price must be a number
                   min(k || coalesce(p ->> 'currency', event_currency)) as currency
            from (
                -- offset 0: the key is formatted once per line, not once per field
                select l.product_id, lpad((l.seq * 1000000 + coalesce(l.n, 0))::text, 19, '0') collate "C" as k,
                       l.p, l.occurred_at, l.event_currency
                from _l l where l.product_id is not null offset 0
            ) lines
            group by product_id
        ) f
        on conflict (product_id) do update set
            sku = coalesce(d.sku, excluded.sku), name = coalesce(d.name, excluded.name),
            category = coalesce(d.category, excluded.category), brand = coalesce(d.brand, excluded.brand),
            price = coalesce(d.price, excluded.price), currency = coalesce(d.currency, excluded.currency),
            first_seen_at = least(d.first_seen_at, excluded.first_seen_at)
        """;

    /// <summary>Catalogue events (product_upserted): the latest given value of each field wins; missing = keep.</summary>
    public const string CatalogueProducts = """
        insert into {s}.dim_products as d (product_key, product_id, sku, name, category, brand, price, currency, attributes, updated_at)
        with c as (
            select seq, data, nullif(data ->> 'productId', '') as product_id from _b where type = 'product_upserted'
        ), attributes as (
            select product_id, jsonb_object_agg(key, value) as attributes
            from (select distinct on (c.product_id, e.key) c.product_id, e.key, e.value
                  from c cross join lateral jsonb_each(case when jsonb_typeof(c.data -> 'attributes') = 'object'
                                                            then c.data -> 'attributes' else '{}' end) e
                  order by c.product_id, e.key, c.seq desc) a
            group by product_id
        )
        select warehouse.wh_key('product:' || c.product_id), c.product_id,
               (array_agg(c.data ->> 'sku' order by c.seq desc) filter (where c.data ->> 'sku' is not null))[1],
               (array_agg(c.data ->> 'name' order by c.seq desc) filter (where c.data ->> 'name' is not null))[1],
               (array_agg(c.data ->> 'category' order by c.seq desc) filter (where c.data ->> 'category' is not null))[1],
               (array_agg(c.data ->> 'brand' order by c.seq desc) filter (where c.data ->> 'brand' is not null))[1],
               (array_agg((c.data ->> 'price')::numeric order by c.seq desc) filter (where c.data ->> 'price' is not null))[1],
               (array_agg(c.data ->> 'currency' order by c.seq desc) filter (where c.data ->> 'currency' is not null))[1],
               coalesce(a.attributes, '{}'),
               now()
        from c left join attributes a on a.product_id = c.product_id
        where c.product_id is not null
        group by c.product_id, a.attributes
        on conflict (product_id) do update set
            sku = coalesce(excluded.sku, d.sku), name = coalesce(excluded.name, d.name),
            category = coalesce(excluded.category, d.category), brand = coalesce(excluded.brand, d.brand),
            price = coalesce(excluded.price, d.price), currency = coalesce(excluded.currency, d.currency),
            attributes = d.attributes || excluded.attributes, updated_at = excluded.updated_at
        """;

    /// <summary>
    /// One fact per interaction that is not an order. A tracker event without any id has no person; the
    /// not-null user_key then fails the batch and the projector dead-letters that event.
    /// </summary>
    public const string Interactions = """
        insert into {s}.fct_interactions (interaction_id, user_key, product_key, category, subcategory, occurred_at,
            received_at, order_id, quantity, revenue, currency, source, utm_source, utm_medium, utm_campaign, event_seq)
        select b.event_id::text, {person},
               -- a product event's product id, as StageSql.Lines reads it (no join back to _l)
               case when b.category in ('product_view', 'add_to_cart', 'remove_from_cart')
                    then coalesce(warehouse.wh_key('product:' || nullif(coalesce(b.props ->> 'product_id', b.props ->> 'sku', b.props ->> 'id'), '')), 0)
                    else 0 end,
               b.category, b.subcategory, b.occurred_at, b.received_at,
               nullif(b.props ->> 'order_id', ''),
               round((b.props ->> 'quantity')::numeric)::int,
               case when b.category = 'refund' then coalesce((b.props ->> 'revenue')::numeric, (b.props ->> 'total')::numeric) end,
               b.props ->> 'currency', b.source, b.utm_source, b.utm_medium, b.utm_campaign, b.seq
        from _b b
        {person_join}
        where b.category is not null and b.category <> 'purchase'
        """;

    /// <summary>
    /// Orders deduplicated on order_id: the earliest purchase event (event time, then sequence) is the order.
    /// _w holds this batch's winners; a winner that beats an order already projected replaces its facts.
    /// </summary>
    public const string OrderWinners = """
        create temp table _w on commit drop as
        select c.order_id, c.event_id, c.seq, c.occurred_at, (o.order_id is not null) as replaces
        from (
            select distinct on (order_id) nullif(props ->> 'order_id', '') as order_id, event_id, seq, occurred_at
            from _b where category = 'purchase' and nullif(props ->> 'order_id', '') is not null
            order by order_id, occurred_at, seq
        ) c
        left join {s}.orders o on o.order_id = c.order_id
        where o.order_id is null or (c.occurred_at, c.seq) < (o.occurred_at, o.event_seq)
        """;

    /// <summary>Returns the persons whose superseded order lines were removed (their facts changed).</summary>
    public const string ReplaceOrders = """
        delete from {s}.fct_interactions f using _w w
        where w.replaces and f.order_id = w.order_id and f.category = 'purchase'
        returning f.user_key
        """;

    public const string RecordOrders = """
        insert into {s}.orders as o (order_id, event_id, event_seq, occurred_at)
        select order_id, event_id, seq, occurred_at from _w
        on conflict (order_id) do update set event_id = excluded.event_id, event_seq = excluded.event_seq, occurred_at = excluded.occurred_at
        """;

    /// <summary>
    /// One fact per order line. The order's revenue (Segment `revenue`, never `total`; else the lines' sum) is
    /// allocated over the lines by price × quantity (equally when there are no prices), rounded to the column's
    /// 4 decimals, with the rounding remainder on the last line so the lines sum exactly to the order.
    /// </summary>
    public const string OrderLines = """
        insert into {s}.fct_interactions (interaction_id, user_key, product_key, category, subcategory, occurred_at,
            received_at, order_id, quantity, revenue, currency, source, utm_source, utm_medium, utm_campaign, event_seq)
        select case when s.n is null then s.event_id::text else s.event_id::text || ':' || s.n end,
               s.user_key, s.product_key, 'purchase', s.subcategory, s.occurred_at, s.received_at, s.order_id, s.qty,
               s.share + case when s.n = s.last_n then s.order_revenue - sum(s.share) over (partition by s.seq) else 0 end,
               s.currency, s.source, s.utm_source, s.utm_medium, s.utm_campaign, s.seq
        from (
            select v.*,
                   round(case when v.weight_total > 0 then v.order_revenue * v.weight / v.weight_total
                              else v.order_revenue / v.line_count end, 4) as share
            from (
                select w.*, sum(w.weight) over (partition by w.seq) as weight_total,
                       count(*) over (partition by w.seq) as line_count, max(w.n) over (partition by w.seq) as last_n,
                       coalesce(w.given_revenue, sum(w.weight) over (partition by w.seq)) as order_revenue
                from (
                    select b.seq, b.event_id, b.subcategory, b.occurred_at, b.received_at, b.source,
                           b.utm_source, b.utm_medium, b.utm_campaign, {person} as user_key, l.n,
                           nullif(b.props ->> 'order_id', '') as order_id,
                           case when l.product_id is null then 0 else warehouse.wh_key('product:' || l.product_id) end as product_key,
                           case when l.n is null then null else round(coalesce((l.p ->> 'quantity')::numeric, 1))::int end as qty,
                           coalesce((l.p ->> 'price')::numeric, 0) * coalesce((l.p ->> 'quantity')::numeric, 1) as weight,
                           (b.props ->> 'revenue')::numeric as given_revenue,
                           coalesce(b.props ->> 'currency', l.p ->> 'currency') as currency
                    from _b b
                    join _l l on l.seq = b.seq
                    {person_join}
                    where b.category = 'purchase'
                      and (nullif(b.props ->> 'order_id', '') is null or b.event_id in ({winners}))
                ) w
            ) v
        ) s
        """;
}
