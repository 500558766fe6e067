using System.Net;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Warehouse.EventStore;
using Warehouse.IntegrationTests.Infrastructure;
using Warehouse.Projections;
using Warehouse.Projections.Catalogue;
using static Warehouse.IntegrationTests.Projections.TrackerEvents;

namespace Warehouse.IntegrationTests.Projections;

public sealed class ServeIntegrationTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task serve_runs_the_daemon_by_default_and_health_reports_projection_lag()
    {
        await using var server = await TestServer.StartAsync(db.ConnectionString, new Dictionary<string, string?>
        {
            ["Projections:Daemon:Enabled"] = "true",
        });
        var anon = Guid.NewGuid().ToString();
        await server.Services.GetRequiredService<IEventStore>().AppendAsync([Page(null, anon, T0)]);
        var lag = await server.Services.GetRequiredService<ProjectionStatus>().WaitForCatchUpAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, lag.LagEvents);

        using var response = await server.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var section = body.RootElement.GetProperty("checks").GetProperty("projections");
        Assert.Equal("ok", section.GetProperty("status").GetString());
        Assert.Equal(0, section.GetProperty("lagEvents").GetInt64());
        Assert.True(section.TryGetProperty("lagSeconds", out _));
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>(
            "select count(*) from warehouse.fct_interactions f join warehouse.dim_users u using (user_key) where @anon = any(u.anonymous_ids)", new { anon }));
    }

    [Fact]
    public async Task waiting_for_catch_up_without_a_daemon_times_out_with_a_message_that_says_what_to_do()
    {
        await using var server = await TestServer.StartAsync(db.ConnectionString); // tests turn the daemon off
        await server.Services.GetRequiredService<IEventStore>().AppendAsync([Page(null, Guid.NewGuid().ToString(), T0)]);
        var e = await Assert.ThrowsAsync<TimeoutException>(() =>
            server.Services.GetRequiredService<ProjectionStatus>().WaitForCatchUpAsync(TimeSpan.FromMilliseconds(300)));
        Assert.Contains("warehouse serve", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_catalogue_csv_becomes_product_upserted_events_and_bad_rows_are_reported_not_imported()
    {
        var a = "csv-" + Guid.NewGuid().ToString("N")[..8];
        var csv = $"""
            productId,sku,name,category,brand,price,currency,color
            {a},SKU-1,Blue Shoe,Shoes,Acme,49.90,EUR,blue
            ,SKU-2,No id,Shoes,Acme,1,EUR,red
            {a}-2,SKU-3,Bad price,Shoes,Acme,12 EUR,EUR,red
            """;
        var store = new PostgresEventStore(db.DataSource);
        var report = await ProductCsvImport.ImportAsync(store, new StringReader(csv), null, default);
        Assert.Equal((3L, 1L), (report.Rows, report.Appended));
        Assert.Equal(2, report.Rejected.Count);
        Assert.Contains("productId is empty", report.Rejected[0], StringComparison.Ordinal);
        Assert.Contains("line 4", report.Rejected[1], StringComparison.Ordinal);

        await Projecting.CatchUpAsync(db.DataSource);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var p = await conn.QuerySingleAsync<(string Sku, string Name, decimal Price, string Color)>(
            "select sku, name, price, attributes ->> 'color' from warehouse.dim_products where product_id = @a", new { a });
        Assert.Equal(("SKU-1", "Blue Shoe", 49.90m, "blue"), p);
        var stream = await store.ReadStreamAsync("product:" + a);
        Assert.Equal("product_upserted", Assert.Single(stream).Type);
    }
}
