namespace Warehouse.Host.Cli.Bench;

/// <summary>
/// The bench's synthetic facts, generated in one INSERT … SELECT from generate_series (no round trip per row).
/// Each user gets a first day from 2026-05-01 over 120 days and about n/u interactions in the 60 days after it,
/// mostly in the first week; categories weighted like a shop (page views, product views, adds, a few purchases,
/// rare refunds); a third of the events carry a campaign; orders have prices on a 2.50 grid.
/// </summary>
internal static class KpiBenchData
{
    public const string GenerateSql = """
        -- Bulk load without index upkeep, then the same indexes as migration 0030.
        alter table warehouse.fct_interactions drop constraint fct_interactions_pkey;
        drop index warehouse.fct_interactions_occurred_at, warehouse.fct_interactions_user_occurred, warehouse.fct_interactions_order;
        select setseed(0.42);
        insert into warehouse.fct_interactions
            (interaction_id, user_key, product_key, category, subcategory, occurred_at, received_at, order_id, quantity,
             revenue, currency, source, utm_source, utm_medium, utm_campaign, event_seq)
        select 'b' || j, g.user_key, 0, g.category, null, g.occurred_at,
               g.occurred_at + make_interval(secs => (random() * 5)::int),
               case when g.category in ('purchase', 'refund') then 'o' || j end,
               case when g.category = 'purchase' then 1 end,
               case when g.category in ('purchase', 'refund') then 5 + floor(random() * 80) * 2.5 end,
               case when g.category in ('purchase', 'refund') then 'EUR' end,
               'bench',
               case when g.r_utm < 0.33 then (array['google', 'facebook', 'newsletter', 'bing', 'partner'])[1 + (j % 5)] end,
               case when g.r_utm < 0.33 then (array['cpc', 'social', 'email', 'cpc', 'referral'])[1 + (j % 5)] end,
               case when g.r_utm < 0.30 then 'campaign_' || (j % 17) end,
               j
        from (
            select j, 1 + (j - 1) % @u as user_key, random() as r_utm,
                   case when c < 0.42 then 'page_view' when c < 0.72 then 'product_view' when c < 0.84 then 'add_to_cart'
                        when c < 0.88 then 'checkout' when c < 0.91 then 'purchase' when c < 0.99 then 'custom'
                        else 'refund' end as category,
                   timestamptz '2026-05-01 00:00+00'
                       + make_interval(days => (hashint8((1 + (j - 1) % @u)) & 2147483647)::int % 120)
                       + make_interval(secs => (power(random(), 3) * 60 * 86400)::int) as occurred_at
            from (select j, random() as c from generate_series(1::bigint, @n) j) s
        ) g;
        alter table warehouse.fct_interactions add primary key (user_key, interaction_id);
        create index fct_interactions_occurred_at on warehouse.fct_interactions (occurred_at);
        create index fct_interactions_user_occurred on warehouse.fct_interactions (user_key, occurred_at);
        create index fct_interactions_order on warehouse.fct_interactions (order_id) where order_id is not null;
        """;
}
