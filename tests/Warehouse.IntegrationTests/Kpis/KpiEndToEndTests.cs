using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Warehouse.Ingestion;
using Warehouse.IntegrationTests.Infrastructure;
using Warehouse.Projections;

namespace Warehouse.IntegrationTests.Kpis;

/// <summary>
/// Hand-built tracker events through the real HTTP ingestion and the projection daemon, then exact KPI rows:
/// explicit offsets near midnight, UTM with stray case and spaces, a duplicate delivery, a double-fired order,
/// an identify-only person, an anonymous purchaser, a session over a week boundary, and a late event that
/// restates the first touch and the cohort while as_of still returns the earlier answer.
/// </summary>
public sealed class KpiEndToEndTests : KpiDatabase
{
    private static object Page(string? userId, string? anon, string messageId, string timestamp, object? campaign = null) => new
    {
        type = "page", messageId, userId, anonymousId = anon, timestamp, name = "Home",
        context = campaign is null ? null : new { campaign },
    };

    private static object Track(string? userId, string? anon, string messageId, string name, string timestamp, object? properties = null) => new
    {
        type = "track", messageId, userId, anonymousId = anon, @event = name, timestamp, properties = properties ?? new { product_id = "p1" },
    };

    private static async Task PostAsync(TestServer server, string writeKey, params object[] batch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batch") { Content = JsonContent.Create(new { batch }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task events_through_ingestion_and_projection_give_exact_kpis_and_as_of_returns_the_earlier_answer()
    {
        await using var server = await TestServer.StartAsync(ConnectionString, new Dictionary<string, string?> { ["Projections:Daemon:Enabled"] = "true" });
        var key = await SourceRegistry.CreateAsync(DataSource, "web", CancellationToken.None);
        var status = server.Services.GetRequiredService<ProjectionStatus>();

        await PostAsync(server, key,
            // An anonymous visitor lands on Sunday evening New York time (23:30 UTC) from a campaign with stray spaces and case...
            Page(null, "a1", "m1", "2026-03-01T18:30:00-05:00", new { source = " Google ", medium = "CPC ", name = " Spring_Sale" }),
            Track(null, "a1", "m2", "Product Viewed", "2026-03-01T23:40:00Z"),
            Track(null, "a1", "m2", "Product Viewed", "2026-03-01T23:40:00Z"), // the same message delivered twice
            Track(null, "a1", "m3", "Product Added", "2026-03-01T23:50:00Z"),
            // ...and buys after midnight (Monday, a new week) without ever logging in; the order fires twice.
            Track(null, "a1", "m4", "Order Completed", "2026-03-02T01:10:00+01:00", new { order_id = "A1", revenue = 42.5 }),
            Track(null, "a1", "m5", "Order Completed", "2026-03-02T00:11:00Z", new { order_id = "A1", revenue = 42.5 }),
            // A CRM import: identify only, no activity: not a user.
            new { type = "identify", messageId = "m6", userId = "crm-3", traits = new { email = "x@example.com" }, timestamp = "2026-03-02T08:00:00Z" },
            // A known user, direct; the first view does not convert within 168 hours, the second does.
            Page("u2", null, "m7", "2026-03-02T10:00:00Z"),
            Track("u2", null, "m8", "Product Viewed", "2026-03-02T10:05:00Z"),
            Track("u2", null, "m9", "Product Viewed", "2026-03-09T12:00:00Z"),
            Track("u2", null, "m10", "Product Added", "2026-03-10T10:04:00Z"),
            Track("u2", null, "m11", "Order Completed", "2026-03-10T11:00:00Z", new { order_id = "B1", revenue = 100 }));
        await status.WaitForCatchUpAsync(TimeSpan.FromSeconds(60));
        var between = DateTimeOffset.UtcNow;

        string[] acquisition = ["day", "source", "medium", "campaign", "new_users"];
        var before = new[] { "2026-03-01|google|cpc|spring_sale|1", "2026-03-02|(direct)|(none)|(direct)|1" };
        Assert.Equal(before, await RowsAsync("acquisition", "2026-02-25", "2026-03-10", acquisition));
        Assert.Equal(["2026-03-02|(direct)|(none)|(direct)|1", "2026-03-02|google|cpc|spring_sale|1"],
            await RowsAsync("acquisition", "2026-03-01", "2026-03-10", acquisition, tz: "Europe/Berlin"));
        Assert.Equal(
        [
            "2026-03-01|1|1|1|0|0|0.0000",
            "2026-03-02|2|1|0|1|1|42.5000",
        ], await RowsAsync("conversion", "2026-03-01", "2026-03-02", ["day", "visitors", "product_viewers", "adders", "purchasers", "orders", "revenue"]));
        Assert.Equal(["1|2", "2|1", "3|1"], await RowsAsync("funnel", "2026-03-01", "2026-03-05", ["step", "users"]));
        Assert.Equal(["1|2", "2|2", "3|2"], await RowsAsync("funnel", "2026-03-01", "2026-03-10", ["step", "users"]));
        Assert.Equal(
        [
            "2026-02-23|1|0|1|1", "2026-02-23|1|1|1|1", "2026-02-23|1|2|0|0",
            "2026-03-02|1|0|1|1", "2026-03-02|1|1|1|1",
        ], await RowsAsync("retention", "2026-03-01", "2026-03-10", ["cohort_week", "cohort_size", "week_offset", "active_users", "active_or_later"]));
        Assert.Equal(["2026-03-01|1|1|1", "2026-03-02|2|2|2", "2026-03-03|0|2|2"],
            await RowsAsync("active-users", "2026-03-01", "2026-03-03", ["day", "dau", "wau", "mau"]));
        Assert.Equal(["2|142.5000|71.2500|71.25"], await RowsAsync("order-value", "2026-03-01", "2026-03-10", ["orders", "revenue", "aov", "p50"]));

        // A late event: received now, it happened before everything else, from another campaign.
        while (DateTimeOffset.UtcNow <= between) await Task.Delay(1);
        await PostAsync(server, key, Page("u2", null, "m12", "2026-02-27T12:00:00Z", new { source = "FB", medium = "social", name = "x" }));
        await status.WaitForCatchUpAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(["2026-02-27|fb|social|x|1", "2026-03-01|google|cpc|spring_sale|1"],
            await RowsAsync("acquisition", "2026-02-25", "2026-03-10", acquisition));
        Assert.Equal(["2026-02-23|2|0|2|2"],
            (await RowsAsync("retention", "2026-02-25", "2026-03-10", ["cohort_week", "cohort_size", "week_offset", "active_users", "active_or_later"]))[..1]);
        Assert.Equal(before, await RowsAsync("acquisition", "2026-02-25", "2026-03-10", acquisition,
            asOf: between.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
        await AssertDataTestsPassAsync();
    }
}
