using System.Globalization;
using Warehouse.Simulation.GroundTruth;
using Warehouse.Simulation.Model;

namespace Warehouse.Tests.Simulation;

/// <summary>
/// A scenario small enough to check by hand. Person X browses on device B first (Sunday 1 March, direct), then on
/// device A from a Google ad, logs in on B (3 March) and on A (9 March) as u1: one user, first touch direct.
/// Person Y arrives from Facebook on device C, never logs in, views, adds and orders (02:00 UTC on 3 March =
/// 21:00 on 2 March in New York); the order is refunded later (not activity).
/// </summary>
public sealed class GroundTruthTests
{
    private static readonly SimDevice A = Device(0, "anon-a"), B = Device(1, "anon-b"), C = Device(2, "anon-c");
    private static readonly SimProduct Shoe = new("p1", "SKU-1", "Shoe", "Sports", "Acme", 25.00m, "USD", "red", "leather", 1);
    private static readonly SimOrder Order = new("o1", "c1", [new SimLine(Shoe, 2)], 50m, 0m, null, 50m, 4.99m, 4m, "USD");
    private int _index;

    private List<SimEvent> Scenario() =>
    [
        E(SimEventKind.Page, "2026-03-01T12:00:00Z", B),
        E(SimEventKind.Page, "2026-03-02T10:00:00Z", A, campaign: new SimCampaign(" Google ", "cpc", "Spring")),
        E(SimEventKind.ProductViewed, "2026-03-02T10:01:00Z", A),
        E(SimEventKind.ProductAdded, "2026-03-02T10:02:00Z", A),
        E(SimEventKind.Page, "2026-03-03T09:00:00Z", B),
        E(SimEventKind.Identify, "2026-03-03T09:05:00Z", B, userId: "u1"),
        E(SimEventKind.Identify, "2026-03-09T08:00:00Z", A, userId: "u1"),
        E(SimEventKind.Page, "2026-03-09T08:00:05Z", A, userId: "u1"),

        E(SimEventKind.Page, "2026-03-02T10:00:00Z", C, campaign: new SimCampaign("facebook", "paid_social", "spring_sale")),
        E(SimEventKind.ProductViewed, "2026-03-02T10:01:00Z", C),
        E(SimEventKind.ProductAdded, "2026-03-02T10:02:00Z", C),
        E(SimEventKind.OrderCompleted, "2026-03-03T02:00:00Z", C, order: Order),
        E(SimEventKind.OrderRefunded, "2026-03-05T15:00:00Z", C, order: Order, serverSide: true),
    ];

    private static IReadOnlyDictionary<string, KpiTable> Truth(List<SimEvent> events, string tz = "UTC") =>
        GroundTruthCalculator.Compute(events, new TruthWindow(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 14), tz));

    [Fact]
    public void new_users_use_strict_first_touch_of_the_stitched_person_normalised()
    {
        var acquisition = Truth(Scenario())[KpiNames.Acquisition];

        Assert.Equal(["2026-03-01|(direct)|(none)|(direct)", "2026-03-02|facebook|paid_social|spring_sale"], acquisition.Rows.Select(r => r.JoinedKey));
        Assert.All(acquisition.Rows, r => Assert.Equal(1m, r.Values["new_users"]));
    }

    [Fact]
    public void without_the_logins_device_a_is_a_separate_user_from_google()
    {
        var anonymous = Scenario().Where(e => e.Kind != SimEventKind.Identify).Select(e => e with { UserId = null }).ToList();
        var acquisition = Truth(anonymous)[KpiNames.Acquisition];

        Assert.Equal(1m, acquisition.Find("2026-03-02|google|cpc|spring")!.Values["new_users"]);
        Assert.Equal(3, acquisition.Rows.Count());
    }

    [Fact]
    public void conversion_counts_users_orders_and_revenue_per_day_and_ignores_refunds()
    {
        var conversion = Truth(Scenario())[KpiNames.Conversion];

        Assert.Equal(Values(1, 0, 0, 0, 0, 0), Row(conversion, "2026-03-01"));
        Assert.Equal(Values(2, 2, 2, 0, 0, 0), Row(conversion, "2026-03-02"));
        Assert.Equal(Values(2, 0, 0, 1, 1, 50), Row(conversion, "2026-03-03"));
        Assert.Equal(Values(0, 0, 0, 0, 0, 0), Row(conversion, "2026-03-05"));
        Assert.Equal(Values(1, 0, 0, 0, 0, 0), Row(conversion, "2026-03-09"));
    }

    [Fact]
    public void days_are_local_to_the_reporting_time_zone()
    {
        var conversion = Truth(Scenario(), "America/New_York")[KpiNames.Conversion];

        // 02:00 UTC on 3 March is 21:00 on 2 March in New York (EST, UTC-5).
        Assert.Equal(Values(2, 2, 2, 1, 1, 50), Row(conversion, "2026-03-02"));
        Assert.Equal(Values(1, 0, 0, 0, 0, 0), Row(conversion, "2026-03-03"));
    }

    [Fact]
    public void the_funnel_counts_users_who_reached_each_step_within_seven_days()
    {
        var funnel = Truth(Scenario())[KpiNames.Funnel];
        Assert.Equal([2m, 2m, 1m], funnel.Rows.Select(r => r.Values["users"]!.Value));

        // The order comes 8 days after the view: outside the window.
        var late = Scenario().Select(e => e.Kind == SimEventKind.OrderCompleted ? e with { Time = e.Time.AddDays(7) } : e).ToList();
        Assert.Equal([2m, 2m, 0m], Truth(late)[KpiNames.Funnel].Rows.Select(r => r.Values["users"]!.Value));
    }

    [Fact]
    public void retention_cohorts_are_iso_weeks_of_first_seen()
    {
        var retention = Truth(Scenario())[KpiNames.Retention];

        // X: first seen Sunday 1 March, so cohort week Monday 23 February; active in weeks 0, 1 and 2.
        Assert.Equal([(1m, 1m, 1m), (1m, 1m, 1m), (1m, 1m, 1m)], Cells(retention, "2026-02-23", 3));
        // Y: cohort 2 March, active in week 0 only (the refund on 5 March is no activity, the order is week 0).
        Assert.Equal([(1m, 1m, 1m), (1m, 0m, 0m)], Cells(retention, "2026-03-02", 2));
        Assert.Equal(5, retention.Rows.Count());
    }

    [Fact]
    public void active_users_use_trailing_windows_and_order_value_sums_deduplicated_orders()
    {
        var truth = Truth(Scenario());
        var active = truth[KpiNames.ActiveUsers];
        Assert.Equal([1m, 2m, 2m], Measures(active, "2026-03-09", "dau", "wau", "mau"));
        Assert.Equal([0m, 2m, 2m], Measures(active, "2026-03-08", "dau", "wau", "mau"));
        Assert.Equal([0m, 1m, 2m], Measures(active, "2026-03-14", "dau", "wau", "mau"));

        var orderValue = truth[KpiNames.OrderValue].Rows.Single();
        Assert.Equal(1m, orderValue.Values["orders"]);
        Assert.Equal(50m, orderValue.Values["revenue"]);
    }

    private static decimal?[] Values(params decimal[] v) => v.Select(x => (decimal?)x).ToArray();

    private static decimal?[] Row(KpiTable t, string day) =>
        t.Measures.Select(m => t.Find(day)!.Values[m]).ToArray();

    private static decimal[] Measures(KpiTable t, string day, params string[] measures) =>
        measures.Select(m => t.Find(day)!.Values[m]!.Value).ToArray();

    private static (decimal, decimal, decimal)[] Cells(KpiTable t, string cohort, int weeks) =>
        Enumerable.Range(0, weeks).Select(k => t.Find($"{cohort}|{k}")!.Values)
            .Select(v => (v["cohort_size"]!.Value, v["active_users"]!.Value, v["active_or_later"]!.Value)).ToArray();

    private SimEvent E(SimEventKind kind, string time, SimDevice device, string? userId = null, SimCampaign? campaign = null,
        SimOrder? order = null, bool serverSide = false) => new()
    {
        Index = _index++,
        MessageId = $"m{_index}",
        Kind = kind,
        Time = DateTimeOffset.Parse(time, CultureInfo.InvariantCulture),
        Device = device,
        AnonymousId = serverSide ? null : device.AnonymousId,
        UserId = serverSide ? null : userId,
        Campaign = campaign,
        Product = kind is SimEventKind.ProductViewed or SimEventKind.ProductAdded ? Shoe : null,
        Quantity = kind == SimEventKind.ProductAdded ? 2 : 0,
        Order = order,
    };

    private static SimDevice Device(int ordinal, string anon) =>
        new(ordinal, anon, "desktop", "Mozilla/5.0", "Windows", "en-US", "UTC", "203.0.113.1", "US", "Springfield");
}
