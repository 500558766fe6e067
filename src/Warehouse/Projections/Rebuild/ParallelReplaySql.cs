using System.Globalization;
using Warehouse.Projections.Batch;

namespace Warehouse.Projections.Rebuild;

/// <summary>
/// What a parallel rebuild runs besides the batch statements. Persons are decided once over the whole store, and
/// orders once per range before the workers fold it, by the rules the sequential replay applies chunk by chunk
/// and that do not depend on chunk order (linked persons keep the smallest key; an order is its earliest event).
/// Each range of events is staged once into a table partitioned by person, which the workers read through a view
/// named _b, as a batch reads its own.
/// </summary>
internal static class ParallelReplaySql
{
    /// <summary>Scratch space of a parallel rebuild, dropped when it ends; never swapped in.</summary>
    public const string WorkSchema = "warehouse_rebuild_work";

    public const string PersonMap = WorkSchema + ".person_map";

    private const string Staged = WorkSchema + ".staged";

    /// <summary>
    /// The person map, and the staging table: _b's columns plus the worker's share (person key modulo workers,
    /// as PostgreSQL's mod gives it: negative for negative keys), one partition per worker. Each worker's is split
    /// again by kind of event (CategoryPartitions), so that a statement about purchases, product events or
    /// identify/alias reads only those rows. Scratch that lives for seconds: unlogged, and autovacuum is kept off
    /// it, or it would vacuum and analyze hundreds of megabytes of fresh rows beside the replay (the workers
    /// analyze what they plan on themselves).
    /// </summary>
    public static string CreateWork(int workers)
    {
        var sql = $"""
            drop schema if exists {WorkSchema} cascade;
            create schema {WorkSchema};
            create unlogged table {PersonMap} (own_key bigint not null, user_key bigint not null) with ({NoAutovacuum}); -- keys unique by construction
            create unlogged table {WorkSchema}.staged_shape as {StageSql.Select(0, 0, PersonMap)} with no data;
            create table {Staged} (like {WorkSchema}.staged_shape, share int not null) partition by list (share);
            """;
        for (var w = 0; w < workers; w++)
        {
            sql += string.Create(CultureInfo.InvariantCulture,
                $"create table {Staged}_{w} partition of {Staged} for values in ({ShareValues(w, workers)}) partition by list (category);\n");
            foreach (var (name, values) in CategoryPartitions)
                sql += string.Create(CultureInfo.InvariantCulture,
                    $"create unlogged table {Staged}_{w}_{name} partition of {Staged}_{w} {values} with ({NoAutovacuum});\n");
        }
        return sql;
    }

    /// <summary>
    /// A share's events by what reads them: the order lines and orders (purchases), the products (product events
    /// and purchases), identify and alias (no category: IdentitySql.Register names it, so that its scans for
    /// them read only that partition), and the rest (page views, checkout steps, custom events: only the facts
    /// and first touches read them).
    /// </summary>
    private static readonly (string Name, string Values)[] CategoryPartitions =
    [
        ("purchase", "for values in ('purchase')"),
        ("product", "for values in ('product_view', 'add_to_cart', 'remove_from_cart')"),
        ("none", "for values in (null)"),
        ("rest", "default"),
    ];

    /// <summary>Storage parameters of a table that a rebuild fills and nothing else writes (SchemaCopy resets them).</summary>
    public const string NoAutovacuum = "autovacuum_enabled = off, toast.autovacuum_enabled = off";

    public const string DropWork = $"drop schema if exists {WorkSchema} cascade";

    public const string ClearStaged = $"truncate {Staged}";

    /// <summary>One slice of a range into the staging table, each event with its person's final key and share.</summary>
    public static string Stage(long floor, long ceiling, int workers) => string.Create(CultureInfo.InvariantCulture,
        $"insert into {Staged} select s.*, mod(coalesce(s.person_key, 0), {workers}) from ({StageSql.Select(floor, ceiling, PersonMap)}) s");

    /// <summary>The condition that a person key is in a worker's share (its partition's values, as Stage computes them).</summary>
    public static string ShareOf(string key, int worker, int workers) => string.Create(CultureInfo.InvariantCulture,
        $"mod({key}, {workers}) in ({ShareValues(worker, workers)})");

    /// <summary>A key's mod is negative for a negative key, so worker w > 0 takes w and w - workers.</summary>
    private static string ShareValues(int worker, int workers) => worker == 0
        ? "0"
        : string.Create(CultureInfo.InvariantCulture, $"{worker}, {worker - workers}");

    /// <summary>
    /// A worker's partition, before it folds it: its _b is a view, which a batch cannot analyze itself. A small
    /// sample is enough to plan a batch's joins, and took a tenth of the default's 0.4 s a partition.
    /// </summary>
    public static string AnalyzeStaged(int worker) => string.Create(CultureInfo.InvariantCulture, $"""
        set default_statistics_target = 10;
        analyze {Staged}_{worker} (seq, type, category, primary_id, user_id, anon_id, previous_id);
        reset default_statistics_target
        """);

    /// <summary>A worker's _b: the staged events of its share of persons.</summary>
    public static string WorkerView(int worker) => string.Create(CultureInfo.InvariantCulture,
        $"create temp view _b as select * from {Staged}_{worker}");

    /// <summary>
    /// The products connection's _b: the staged events that name a product, and the catalogue's (two branches, so
    /// that each statement over it reads only the partitions that can hold its rows).
    /// </summary>
    public const string ProductsView = $"""
        create temp view _b as
        select * from {Staged} where category in ('product_view', 'add_to_cart', 'remove_from_cart', 'purchase')
        union all
        select * from {Staged} where category is null and type = 'product_upserted'
        """;

    /// <summary>dim_products from one staged range (FactSql's statements, in the order a batch runs them).</summary>
    public static string Products(string schema) => string.Join(";\n",
        StageSql.DropTempsOfShare,
        StageSql.LinesView,
        FactSql.TrackerProducts.Replace("{s}", schema, StringComparison.Ordinal),
        FactSql.CatalogueProducts.Replace("{s}", schema, StringComparison.Ordinal));

    /// <summary>
    /// Every distinct pair of ids one event links (IdentitySql.Links: identify, alias, any event with both ids), as
    /// the ids' own keys (union-find needs nothing else, and keys are a fraction of the ids' bytes), up to $1. An
    /// alias without a userId names an id that it does not link to the event's person, so that event belongs to no
    /// single person: its row says so in the third column, and the rebuild then replays in sequence instead. A
    /// read-only query: PostgreSQL may scan in parallel.
    /// </summary>
    public const string Links = """
        select warehouse.wh_key(l.x), warehouse.wh_key(l.y), l.x = ''
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

    /// <summary>Held by the connection deciding a range's orders; workers wait for it (FactSql.WaitForDecidedOrders).</summary>
    public static readonly string HoldOrders =
        string.Create(CultureInfo.InvariantCulture, $"select pg_advisory_lock({FactSql.DecidedOrdersLockKey})");

    public static readonly string ReleaseOrders =
        string.Create(CultureInfo.InvariantCulture, $"select pg_advisory_unlock({FactSql.DecidedOrdersLockKey})");

    /// <summary>
    /// Per order id the earliest purchase event (event time, then sequence) among the staged range and the orders
    /// decided before it: the order a batch's FactSql.OrderWinners and RecordOrders end with, whatever the chunks.
    /// Run after each range is staged and before the workers fold it; when an order of this range beats one an
    /// earlier range folded, that one's lines go (FactSql.ReplaceOrders' rule), and the workers add the new ones.
    /// The first range (fresh) only inserts: nothing was folded before it, and the copy has no keys yet
    /// (SchemaCopy.CreateAsync holds them).
    /// </summary>
    public static string Orders(string schema, bool fresh) => $"""
        drop table if exists pg_temp._o;
        create temp table _o as
        select distinct on (order_id) order_id, event_id, seq, occurred_at
        from (select nullif(props ->> 'order_id', '') as order_id, event_id, seq, occurred_at
              from {Staged} where category = 'purchase') p
        where order_id is not null
        order by order_id, occurred_at, seq;
        """ + (fresh ? $"""
        insert into {schema}.orders (order_id, event_id, event_seq, occurred_at)
        select order_id, event_id, seq, occurred_at from _o
        """ : $"""
        delete from {schema}.fct_interactions f using _o n join {schema}.orders o on o.order_id = n.order_id
        where f.order_id = n.order_id and f.category = 'purchase' and (n.occurred_at, n.seq) < (o.occurred_at, o.event_seq);
        insert into {schema}.orders as o (order_id, event_id, event_seq, occurred_at)
        select order_id, event_id, seq, occurred_at from _o
        on conflict (order_id) do update set event_id = excluded.event_id, event_seq = excluded.event_seq, occurred_at = excluded.occurred_at
            where (excluded.occurred_at, excluded.event_seq) < (o.occurred_at, o.event_seq)
        """);
}
