using System.Text.Json;
using Warehouse.Simulation;
using Warehouse.Simulation.Delivery;
using Warehouse.Simulation.Generation;
using Warehouse.Simulation.Model;

namespace Warehouse.Tests.Simulation;

public sealed class FaultRateTests
{
    private static readonly FaultRates Rates = new(Duplicate: 0.10, Late: 0.20, ClockSkew: 0.30, DoubleFiredOrder: 0.25);

    private static readonly Lazy<SimTraffic> Traffic = new(() => TrafficGenerator.Generate(new SimulationOptions
    {
        Users = 1200, Days = 30, Start = new DateOnly(2026, 2, 2), Seed = 77, Products = 60, Faults = Rates,
    }));

    [Fact]
    public void each_fault_happens_at_its_configured_rate_within_tolerance()
    {
        var t = Traffic.Value;
        var originals = t.Deliveries.Where(d => d.Kind == DeliveryKind.Original).ToList();
        var orders = t.Events.Count(e => e.Kind == SimEventKind.OrderCompleted);
        var devices = originals.Where(d => d.Event.AnonymousId is not null).GroupBy(d => d.Event.Device.Ordinal).ToList();

        // Binomial tolerances: four standard deviations, so the check is stable yet fails on a wrong rate.
        AssertRate(Rates.Duplicate, t.Deliveries.Count(d => d.Kind == DeliveryKind.Duplicate), originals.Count, "duplicates");
        AssertRate(Rates.Late, originals.Count(d => d.Late), originals.Count, "late deliveries");
        AssertRate(Rates.ClockSkew, devices.Count(g => g.First().IsSkewed), devices.Count, "skewed devices");
        AssertRate(Rates.DoubleFiredOrder, t.Deliveries.Count(d => d.Kind == DeliveryKind.DoubleFired), orders, "double-fired orders");
    }

    private static void AssertRate(double rate, int hits, int trials, string what)
    {
        var measured = (double)hits / trials;
        var tolerance = 4 * Math.Sqrt(rate * (1 - rate) / trials);
        Assert.True(Math.Abs(measured - rate) <= tolerance,
            $"{what}: measured {measured:P2} of {trials}, configured {rate:P2} (tolerance ±{tolerance:P2})");
    }

    [Fact]
    public void with_no_faults_every_event_is_delivered_once_on_time_by_a_correct_clock()
    {
        var t = TrafficGenerator.Generate(new SimulationOptions { Users = 200, Days = 14, Start = new DateOnly(2026, 2, 2), Seed = 3, Faults = FaultRates.None });

        Assert.All(t.Deliveries, d => Assert.Equal(DeliveryKind.Original, d.Kind));
        Assert.DoesNotContain(t.Deliveries, d => d.Late || d.IsSkewed);
        Assert.All(t.Deliveries, d => Assert.InRange(d.SentAt - d.Event.Time, TimeSpan.Zero, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void late_deliveries_arrive_an_hour_to_three_days_after_the_event()
    {
        var late = Traffic.Value.Deliveries.Where(d => d.Late && d.Kind == DeliveryKind.Original).ToList();
        Assert.NotEmpty(late);
        Assert.All(late, d => Assert.InRange(d.SentAt - d.Event.Time, TimeSpan.FromHours(1), TimeSpan.FromDays(3)));
    }

    [Fact]
    public void a_skewed_clock_is_correctable_with_segments_formula_to_the_true_time()
    {
        var skewed = Traffic.Value.Deliveries.Where(d => d.IsSkewed).Take(200).ToList();
        Assert.NotEmpty(skewed);
        foreach (var d in skewed)
        {
            using var message = JsonDocument.Parse(TrafficFileWriter.MessageJson(d));
            var timestamp = message.RootElement.GetProperty("timestamp").GetDateTimeOffset();
            var sentAt = message.RootElement.GetProperty("sentAt").GetDateTimeOffset();
            Assert.NotEqual(d.Event.Time, timestamp);
            var receivedAt = d.SentAt; // the simulated network is instantaneous
            Assert.Equal(d.Event.Time, receivedAt - (sentAt - timestamp));
        }
    }

    [Fact]
    public void a_duplicate_repeats_the_message_id_and_a_double_fired_order_repeats_only_the_order_id()
    {
        var t = Traffic.Value;
        var duplicate = t.Deliveries.First(d => d.Kind == DeliveryKind.Duplicate && !d.IsSkewed);
        var original = t.Deliveries.First(d => d.Kind == DeliveryKind.Original && d.Event == duplicate.Event);
        Assert.Equal(TrafficFileWriter.MessageJson(original), TrafficFileWriter.MessageJson(duplicate));

        var second = t.Deliveries.First(d => d.Kind == DeliveryKind.DoubleFired);
        var first = t.Deliveries.First(d => d.Kind == DeliveryKind.Original && d.Event == second.Event);
        using var a = JsonDocument.Parse(TrafficFileWriter.MessageJson(first));
        using var b = JsonDocument.Parse(TrafficFileWriter.MessageJson(second));
        Assert.NotEqual(a.RootElement.GetProperty("messageId").GetString(), b.RootElement.GetProperty("messageId").GetString());
        Assert.Equal(a.RootElement.GetProperty("properties").GetProperty("order_id").GetString(), b.RootElement.GetProperty("properties").GetProperty("order_id").GetString());
        Assert.Equal(a.RootElement.GetProperty("timestamp").GetString(), b.RootElement.GetProperty("timestamp").GetString());
    }
}
