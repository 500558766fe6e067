using Warehouse.Projections.Batch;

namespace Warehouse.Projections.Rebuild;

/// <summary>
/// The passes a parallel rebuild makes over the whole store before its workers split it by person. Each decides
/// once what the sequential replay decides chunk by chunk, by a rule that does not depend on chunk order (the
/// smallest key of linked persons, the earliest order event, the catalogue's latest value over the earliest
/// tracker value), so both replays fill the same tables.
/// </summary>
internal static class ParallelReplaySql
{
    /// <summary>Scratch space of a parallel rebuild, dropped when it ends; never swapped in.</summary>
    public const string WorkSchema = "warehouse_rebuild_work";

    public const string PersonMap = WorkSchema + ".person_map";

    public const string CreateWork = $"""
        drop schema if exists {WorkSchema} cascade;
        create schema {WorkSchema};
        create unlogged table {PersonMap} (identity text primary key, user_key bigint not null);
        """;

    public const string DropWork = $"drop schema if exists {WorkSchema} cascade";

    /// <summary>
    /// Every distinct pair of ids one event links (IdentitySql.Links: identify, alias, any event with both ids),
    /// with each id's own key, up to $1. An alias without a userId names an id that it does not link to the
    /// event's person, so that event belongs to no single person: it comes back with '' as its first id, and the
    /// rebuild then replays in sequence instead.
    /// </summary>
    public const string Links = """
        select l.x, l.y, warehouse.wh_key(l.x), warehouse.wh_key(l.y)
        from (
            select distinct x, y from (
                select nullif(e.data ->> 'userId', '') as x, nullif(e.data ->> 'anonymousId', '') as y
                from events.mt_events e where e.seq_id <= $1 and e.type <> 'product_upserted'
                union all
                select coalesce(nullif(e.data ->> 'userId', ''), ''), nullif(e.data ->> 'previousId', '')
                from events.mt_events e where e.seq_id <= $1 and e.type = 'alias'
            ) pairs
            where x is not null and y is not null
        ) l
        where l.x <> l.y
        """;

    /// <summary>
    /// dim_products and orders over every event up to the ceiling, in one transaction (FactSql's statements on a
    /// _b of the events that name a product or an order, and the catalogue's).
    /// </summary>
    public static string ProductsAndOrders(string schema, long ceiling) => string.Join(";\n",
        StageSql.DropTemps,
        StageSql.StageProductsAndOrders(ceiling),
        StageSql.Analyze,
        StageSql.Lines,
        "analyze pg_temp._l (seq, product_id)",
        FactSql.TrackerProducts.Replace("{s}", schema, StringComparison.Ordinal),
        FactSql.CatalogueProducts.Replace("{s}", schema, StringComparison.Ordinal),
        Orders.Replace("{s}", schema, StringComparison.Ordinal));

    /// <summary>Per order id the earliest purchase event (event time, then sequence): FactSql.OrderWinners' rule.</summary>
    private const string Orders = """
        insert into {s}.orders (order_id, event_id, event_seq, occurred_at)
        select distinct on (order_id) order_id, event_id, seq, occurred_at
        from (select nullif(props ->> 'order_id', '') as order_id, event_id, seq, occurred_at from _b where category = 'purchase') p
        where order_id is not null
        order by order_id, occurred_at, seq
        """;
}
