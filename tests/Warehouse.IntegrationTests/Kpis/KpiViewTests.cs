using Npgsql;

namespace Warehouse.IntegrationTests.Kpis;

/// <summary>
/// Exact KPI rows for a small hand-built shop, on facts put straight into the star schema (the SQL-level tests).
/// Every KPI is asked through the pre-aggregates and again from the facts; both must agree (RowsAsync).
/// March 2026: the 1st is a Sunday, so weeks start on 2026-02-23, 03-02 and 03-09.
/// </summary>
public sealed class KpiViewTests : KpiDatabase
{
    private async Task ShopAsync()
    {
        // u1, an anonymous visitor: lands from a campaign with stray case and spaces late on Sunday (UTC), buys just
        // after midnight (Monday), and the shop's tracking fires the order twice.
        await FactAsync(1, "page_view", "2026-03-01T23:30:00Z", utmSource: " Google ", utmMedium: "CPC ", utmCampaign: " Spring_Sale");
        await FactAsync(1, "product_view", "2026-03-01T23:40:00Z");
        await FactAsync(1, "add_to_cart", "2026-03-01T23:50:00Z");
        await FactAsync(1, "purchase", "2026-03-02T00:10:00Z", orderId: "A1", lines: [30m, 12.5m]);
        await FactAsync(1, "purchase", "2026-03-02T00:11:00Z", orderId: "A1", lines: [42.5m]);
        // u2: direct; views on Monday, adds only 8 days later (outside 168 h), but a second view converts.
        await FactAsync(2, "page_view", "2026-03-02T10:00:00Z");
        await FactAsync(2, "product_view", "2026-03-02T10:05:00Z");
        await FactAsync(2, "product_view", "2026-03-09T12:00:00Z");
        await FactAsync(2, "add_to_cart", "2026-03-10T10:04:00Z");
        await FactAsync(2, "purchase", "2026-03-10T11:00:00Z", orderId: "B1", lines: [100m]);
        // u5: adds before viewing (out of funnel order), campaign without a name.
        await FactAsync(5, "add_to_cart", "2026-03-03T09:00:00Z", utmSource: "  Newsletter ", utmMedium: "EMAIL");
        await FactAsync(5, "product_view", "2026-03-03T10:00:00Z");
        await FactAsync(5, "purchase", "2026-03-03T11:00:00Z", orderId: "C1", lines: [20m]);
        // u6: only a server-side refund: no activity, no user. u3: identify-only (a dimension row, no facts).
        await FactAsync(6, "refund", "2026-03-04T08:00:00Z", orderId: "R1", lines: [42.5m]);
        await ExecAsync("insert into warehouse.dim_users (user_key, user_id) values (3, 'crm-3')");
    }

    [Fact]
    public async Task acquisition_counts_each_user_once_by_strict_first_touch_in_the_reporting_time_zone()
    {
        await ShopAsync();
        string[] cols = ["day", "source", "medium", "campaign", "new_users"];
        Assert.Equal(
        [
            "2026-03-01|google|cpc|spring_sale|1",
            "2026-03-02|(direct)|(none)|(direct)|1",
            "2026-03-03|newsletter|email|(not set)|1",
        ], await RowsAsync("acquisition", "2026-03-01", "2026-03-10", cols));
        // Berlin is UTC+1 in March: u1's 23:30 landing is Monday there.
        Assert.Equal(
        [
            "2026-03-02|(direct)|(none)|(direct)|1",
            "2026-03-02|google|cpc|spring_sale|1",
            "2026-03-03|newsletter|email|(not set)|1",
        ], await RowsAsync("acquisition", "2026-03-01", "2026-03-10", cols, tz: "Europe/Berlin"));
    }

    [Fact]
    public async Task conversion_counts_users_per_day_and_a_double_fired_order_once_with_every_rate_as_a_ratio_of_counts()
    {
        await ShopAsync();
        string[] cols = ["day", "visitors", "product_viewers", "adders", "purchasers", "orders", "revenue", "purchase_rate",
            "purchase_rate_numerator", "purchase_rate_denominator", "aov", "arpu", "arppu"];
        Assert.Equal(
        [
            "2026-03-01|1|1|1|0|0|0.0000|0.000000|0|1||0.0000|",
            "2026-03-02|2|1|0|1|1|42.5000|0.500000|1|2|42.5000|21.2500|42.5000",
            "2026-03-03|1|1|1|1|1|20.0000|1.000000|1|1|20.0000|20.0000|20.0000",
            "2026-03-04|0|0|0|0|0|0.0000||0|0|||",
        ], await RowsAsync("conversion", "2026-03-01", "2026-03-04", cols));
        Assert.Equal(
        [
            "2026-03-01|0|0|0|0|0|0.0000",
            "2026-03-02|2|2|1|1|1|42.5000",
        ], await RowsAsync("conversion", "2026-03-01", "2026-03-02", cols[..7], tz: "Europe/Berlin"));
    }

    [Fact]
    public async Task the_funnel_is_sequential_within_168_hours_of_any_product_view()
    {
        await ShopAsync();
        string[] cols = ["step", "step_name", "users", "rate_overall", "rate_from_previous", "is_complete"];
        Assert.Equal(
        [
            "1|Product Viewed|3|1.000000|1.000000|true",
            "2|Product Added|1|0.333333|0.333333|true",
            "3|Order Completed|1|0.333333|1.000000|true",
        ], await RowsAsync("funnel", "2026-03-01", "2026-03-05", cols));
        Assert.Equal(
        [
            "1|Product Viewed|3|1.000000|1.000000|true",
            "2|Product Added|2|0.666667|0.666667|true",
            "3|Order Completed|2|0.666667|1.000000|true",
        ], await RowsAsync("funnel", "2026-03-01", "2026-03-10", cols));
        // As of 2026-03-12 the windows of views on 2026-03-10 are still open.
        Assert.Equal("false", (await RowsAsync("funnel", "2026-03-01", "2026-03-10", ["is_complete"], asOf: "2026-03-12T00:00:00Z"))[0]);
    }

    [Fact]
    public async Task retention_follows_first_seen_cohorts_over_a_week_boundary_and_leaves_unfinished_weeks_null()
    {
        await ShopAsync();
        string[] cols = ["cohort_week", "cohort_size", "week_offset", "active_users", "active_or_later", "retention_rate", "is_complete"];
        Assert.Equal(
        [
            "2026-02-23|1|0|1|1|1.000000|true",
            "2026-02-23|1|1|1|1|1.000000|true",
            "2026-02-23|1|2|0|0|0.000000|true",
            "2026-03-02|2|0|2|2|1.000000|true",
            "2026-03-02|2|1|1|1|0.500000|true",
        ], await RowsAsync("retention", "2026-03-01", "2026-03-10", cols));
        Assert.Equal(
        [
            "2026-02-23|1|0|1|1|1.000000|true",
            "2026-02-23|1|1|1|1|1.000000|true",
            "2026-02-23|1|2||||false",
            "2026-03-02|2|0|2|2|1.000000|true",
            "2026-03-02|2|1||||false",
        ], await RowsAsync("retention", "2026-03-01", "2026-03-10", cols, asOf: "2026-03-12T00:00:00Z"));
        Assert.Equal(
        [
            "2026-03-02|3|0|3|3|1.000000|true",
            "2026-03-02|3|1|1|1|0.333333|true",
        ], await RowsAsync("retention", "2026-03-02", "2026-03-10", cols, tz: "Europe/Berlin"));
        Assert.Equal(["0|2|3|3|1.000000", "1|2|3|2|0.666667", "2|1|1|0|0.000000"],
            await RowsAsync("retention-curve", "2026-03-01", "2026-03-10", ["week_offset", "cohorts", "cohort_users", "active_users", "retention_rate"]));
    }

    [Fact]
    public async Task active_users_use_trailing_windows_and_stickiness_is_dau_over_mau()
    {
        await ShopAsync();
        Assert.Equal(
        [
            "2026-03-01|1|1|1|1.000000",
            "2026-03-02|2|2|2|1.000000",
            "2026-03-03|1|3|3|0.333333",
            "2026-03-09|1|2|3|0.333333",
            "2026-03-10|1|1|3|0.333333",
        ], (await RowsAsync("active-users", "2026-03-01", "2026-03-10", ["day", "dau", "wau", "mau", "stickiness"]))
            .Where(r => r.Split('|')[1] != "0").ToArray());
        // On 03-31 nobody was active in the last 7 days, but three users in the last 30.
        Assert.Equal(["2026-03-31|0|0|3|true|true"],
            await RowsAsync("active-users", "2026-03-31", "2026-03-31", ["day", "dau", "wau", "mau", "wau_complete", "mau_complete"]));
    }

    [Fact]
    public async Task order_value_percentiles_equal_postgres_percentile_cont_over_deduplicated_orders()
    {
        await ShopAsync();
        Assert.Equal(["3|162.5000|54.1667|percentile_cont"],
            await RowsAsync("order-value", "2026-03-01", "2026-03-10", ["orders", "revenue", "aov", "percentile_method"]));
        var result = await KpiAsync("order-value", "2026-03-01", "2026-03-10");
        await using var conn = await DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(
            "select percentile_cont(array[0.5, 0.9, 0.99]::float8[]) within group (order by v) from (values (20.0), (42.5), (100.0)) t(v)", conn);
        var expected = (double[])(await cmd.ExecuteScalarAsync())!;
        var row = result.RowObjects().Single();
        Assert.Equal(expected, new[] { (double)row["p50"]!, (double)row["p90"]!, (double)row["p99"]! });
    }

    [Fact]
    public async Task a_late_event_restates_the_first_touch_and_the_cohort_while_as_of_returns_the_earlier_answer()
    {
        await ShopAsync();
        // Received on 2026-03-20, but it happened on 2026-02-27: u2 was first seen then, from a campaign.
        await FactAsync(2, "page_view", "2026-02-27T12:00:00Z", receivedAt: "2026-03-20T09:00:00Z", utmSource: "fb", utmMedium: "social", utmCampaign: "x");
        string[] cols = ["day", "source", "medium", "campaign", "new_users"];
        Assert.Equal(
        [
            "2026-02-27|fb|social|x|1",
            "2026-03-01|google|cpc|spring_sale|1",
            "2026-03-03|newsletter|email|(not set)|1",
        ], await RowsAsync("acquisition", "2026-02-25", "2026-03-10", cols));
        Assert.Equal(
        [
            "2026-03-01|google|cpc|spring_sale|1",
            "2026-03-02|(direct)|(none)|(direct)|1",
            "2026-03-03|newsletter|email|(not set)|1",
        ], await RowsAsync("acquisition", "2026-02-25", "2026-03-10", cols, asOf: "2026-03-15T00:00:00Z"));
        Assert.Equal(["2026-02-23|2", "2026-03-02|1"],
            (await RowsAsync("retention", "2026-02-25", "2026-03-10", ["cohort_week", "cohort_size"])).Distinct().ToArray());
        await AssertDataTestsPassAsync();
    }

    [Fact]
    public async Task incremental_pre_aggregates_equal_a_rebuild_after_identity_stitching_merges_two_users()
    {
        await ShopAsync();
        // The projection learns that u5 is u1: u5's facts move to u1, and both keys are reported changed.
        await ExecAsync("update warehouse.fct_interactions set user_key = 1 where user_key = 5");
        await using (var conn = await DataSource.OpenConnectionAsync())
            await new Warehouse.Kpis.KpiPreaggregates().OnUsersChangedAsync(conn, [1, 5], CancellationToken.None);
        await AssertDataTestsPassAsync();
        Assert.Equal(["2026-03-01|google|1", "2026-03-02|(direct)|1"],
            await RowsAsync("acquisition", "2026-03-01", "2026-03-10", ["day", "source", "new_users"]));
    }

    [Fact]
    public async Task bad_ranges_and_unknown_time_zones_are_argument_errors()
    {
        await Assert.ThrowsAsync<Warehouse.Kpis.KpiArgumentException>(() => KpiAsync("funnel", "2026-03-10", "2026-03-01"));
        var e = await Assert.ThrowsAsync<Warehouse.Kpis.KpiArgumentException>(() => KpiAsync("funnel", "2026-03-01", "2026-03-10", tz: "Mars/Olympus"));
        Assert.Contains("time zone", e.Message);
        await Assert.ThrowsAsync<Warehouse.Kpis.KpiArgumentException>(() => KpiAsync("nope", "2026-03-01", "2026-03-10"));
    }
}
