using Dapper;
using Warehouse.IntegrationTests.Infrastructure;
using static Warehouse.IntegrationTests.Projections.TrackerEvents;

namespace Warehouse.IntegrationTests.Projections;

public sealed class ClassificationTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Theory]
    [InlineData("Product Viewed", "product_view")]
    [InlineData("Viewed Product", "product_view")]
    [InlineData("Product Added", "add_to_cart")]
    [InlineData("Product Removed", "remove_from_cart")]
    [InlineData("Checkout Started", "checkout")]
    [InlineData("Checkout Step Viewed", "checkout")]
    [InlineData("Checkout Step Completed", "checkout")]
    [InlineData("Order Refunded", "refund")]
    [InlineData("Products Searched", "custom")]
    [InlineData("Signed Up", "custom")]
    public async Task each_segment_ecommerce_event_gets_its_category_and_keeps_its_name_as_subcategory(string name, string category)
    {
        var anon = Guid.NewGuid().ToString();
        var e = Track(null, anon, name, T0, new { product_id = "sku-" + anon, price = 9.5m, quantity = 2, order_id = "o-" + anon, revenue = 19m });
        await Projecting.AppendAsync(db.DataSource, e);
        await Projecting.CatchUpAsync(db.DataSource);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var row = await conn.QuerySingleAsync<(string Category, string Subcategory, long ProductKey, decimal? Revenue)>(
            "select category, subcategory, product_key, revenue from warehouse.fct_interactions where interaction_id = @id",
            new { id = e.Id.ToString() });
        Assert.Equal(category, row.Category);
        Assert.Equal(name, row.Subcategory);
        var productEvent = category is "product_view" or "add_to_cart" or "remove_from_cart";
        Assert.Equal(productEvent, row.ProductKey != 0);
        Assert.Equal(category == "refund" ? 19m : null, row.Revenue);
    }

    [Fact]
    public async Task page_and_screen_views_are_interactions_without_a_product_and_identify_is_not_an_interaction()
    {
        var anon = Guid.NewGuid().ToString();
        var user = "u-" + anon;
        await Projecting.AppendAsync(db.DataSource, Page(null, anon, T0), Screen(null, anon, T0.AddMinutes(1)), Identify(user, anon, T0.AddMinutes(2)));
        await Projecting.CatchUpAsync(db.DataSource);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string Category, long ProductKey)>("""
            select f.category, f.product_key from warehouse.fct_interactions f
            join warehouse.dim_users u on u.user_key = f.user_key where u.user_id = @user order by f.occurred_at
            """, new { user })).ToList();
        Assert.Equal([("page_view", 0L), ("screen_view", 0L)], rows);
    }

    [Fact]
    public async Task an_order_with_several_products_gives_one_fact_per_line_with_revenue_allocated_and_counts_once()
    {
        var anon = Guid.NewGuid().ToString();
        var orderId = "order-" + anon;
        var order = Order(null, anon, orderId, T0, 100m, ("a-" + anon, 10m, 1), ("b-" + anon, 20m, 2), ("c-" + anon, 3.33m, 3));
        var retried = Order(null, anon, orderId, T0.AddMinutes(5), 100m, ("a-" + anon, 10m, 1));
        await Projecting.AppendAsync(db.DataSource, order, retried);
        await Projecting.CatchUpAsync(db.DataSource);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var lines = (await conn.QueryAsync<(string Id, int Quantity, decimal Revenue, long ProductKey)>(
            "select interaction_id, quantity, revenue, product_key from warehouse.fct_interactions where order_id = @orderId order by interaction_id",
            new { orderId })).ToList();
        Assert.Equal([order.Id + ":1", order.Id + ":2", order.Id + ":3"], lines.Select(l => l.Id));
        Assert.Equal([1, 2, 3], lines.Select(l => l.Quantity));
        Assert.Equal(100m, lines.Sum(l => l.Revenue));
        Assert.Equal(Math.Round(100m * 10 / 59.99m, 4), lines[0].Revenue);
        Assert.All(lines, l => Assert.NotEqual(0L, l.ProductKey));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("select count(*) from warehouse.orders where order_id = @orderId", new { orderId }));
    }

    [Fact]
    public async Task a_duplicate_order_arriving_later_with_an_earlier_time_replaces_the_first_one()
    {
        var anon = Guid.NewGuid().ToString();
        var orderId = "order-" + anon;
        var first = Order(null, anon, orderId, T0.AddHours(1), 50m, ("x-" + anon, 50m, 1));
        await Projecting.AppendAsync(db.DataSource, first);
        await Projecting.CatchUpAsync(db.DataSource);
        var earlier = Order(null, anon, orderId, T0, 40m, ("y-" + anon, 20m, 2));
        await Projecting.AppendAsync(db.DataSource, earlier);
        await Projecting.CatchUpAsync(db.DataSource);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var ids = (await conn.QueryAsync<string>("select interaction_id from warehouse.fct_interactions where order_id = @orderId", new { orderId })).ToList();
        Assert.Equal([earlier.Id + ":1"], ids);
        Assert.Equal(40m, await conn.ExecuteScalarAsync<decimal>("select sum(revenue) from warehouse.fct_interactions where order_id = @orderId", new { orderId }));
    }

    [Fact]
    public async Task products_seen_in_events_get_a_row_that_the_catalogue_then_enriches_and_overrides()
    {
        var pid = "prod-" + Guid.NewGuid();
        await Projecting.AppendAsync(db.DataSource,
            Track(null, Guid.NewGuid().ToString(), "Product Viewed", T0, new { product_id = pid, name = "From tracker", brand = "TrackerBrand", price = 5m }));
        await Projecting.CatchUpAsync(db.DataSource);
        await Projecting.AppendAsync(db.DataSource,
            ProductUpserted(pid, new { name = "Catalogue name", category = "Shoes", price = 7.25m, attributes = new { color = "red" } }),
            ProductUpserted(pid, new { price = 8.5m, attributes = new { size = "42" } }));
        await Projecting.CatchUpAsync(db.DataSource);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var p = await conn.QuerySingleAsync<(string Name, string Brand, string Category, decimal Price, string Attributes)>(
            "select name, brand, category, price, attributes::text from warehouse.dim_products where product_id = @pid", new { pid });
        Assert.Equal(("Catalogue name", "TrackerBrand", "Shoes", 8.5m), (p.Name, p.Brand, p.Category, p.Price));
        Assert.Equal("""{"size": "42", "color": "red"}""", p.Attributes);
    }

    [Fact]
    public async Task a_product_seen_in_events_takes_each_field_from_the_first_line_that_gives_it()
    {
        // One batch, three events: lines go by sequence, then by position in the order's products, never by event
        // time (the last event happened first: it sets first_seen_at, and no field).
        var pid = "prod-" + Guid.NewGuid();
        var anon = Guid.NewGuid().ToString();
        await Projecting.AppendAsync(db.DataSource,
            Track(null, anon, "Product Viewed", T0.AddHours(2), new { product_id = pid, name = "First name", price = 5m }),
            Track(null, anon, "Order Completed", T0.AddHours(3), new
            {
                order_id = "order-" + pid,
                revenue = 30m,
                currency = "USD",
                products = new object[]
                {
                    new { product_id = pid, sku = "S-1", brand = "Line brand", price = 10m, quantity = 1 },
                    new { product_id = pid, category = "Second line category", brand = "Not this", price = 20m, quantity = 1 },
                },
            }),
            Track(null, anon, "Product Added", T0, new
            {
                product_id = pid, sku = "S-3", name = "Later name", category = "Later category", brand = "Later brand", price = 7m, currency = "GBP",
            }));
        await Projecting.CatchUpAsync(db.DataSource);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var p = await conn.QuerySingleAsync<(string Sku, string Name, string Category, string Brand, decimal Price, string Currency, DateTime FirstSeen)>(
            "select sku, name, category, brand, price, currency, first_seen_at from warehouse.dim_products where product_id = @pid", new { pid });
        Assert.Equal(("S-1", "First name", "Second line category", "Line brand", 5m, "USD", T0.UtcDateTime), p);
    }

    [Fact]
    public async Task utm_values_are_lower_trimmed_on_each_fact()
    {
        var anon = Guid.NewGuid().ToString();
        var e = Page(null, anon, T0, campaign: new { source = " Google ", medium = "CPC", name = "Black Friday" });
        await Projecting.AppendAsync(db.DataSource, e);
        await Projecting.CatchUpAsync(db.DataSource);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var utm = await conn.QuerySingleAsync<(string, string, string)>(
            "select utm_source, utm_medium, utm_campaign from warehouse.fct_interactions where interaction_id = @id", new { id = e.Id.ToString() });
        Assert.Equal(("google", "cpc", "black friday"), utm);
    }
}
