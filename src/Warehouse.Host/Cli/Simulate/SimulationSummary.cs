using System.Globalization;
using Warehouse.Simulation.Delivery;
using Warehouse.Simulation.Model;

namespace Warehouse.Host.Cli.Simulate;

/// <summary>One paragraph on what a simulation generated, faults included.</summary>
internal static class SimulationSummary
{
    public static string Describe(SimTraffic t)
    {
        var o = t.Options;
        var orders = t.Events.Count(e => e.Kind == SimEventKind.OrderCompleted);
        var revenue = t.Events.Where(e => e.Kind == SimEventKind.OrderCompleted).Sum(e => e.Order!.Revenue);
        var d = t.Deliveries;
        return string.Create(CultureInfo.InvariantCulture,
            $"Simulated {o.Users} people on {t.Devices} devices over {o.Days} days from {o.Start:yyyy-MM-dd} (seed {o.Seed}): " +
            $"{t.Events.Count} events, {orders} orders, revenue {revenue} {o.Currency}, {t.Catalogue.Count} products. " +
            $"Deliveries: {d.Count} ({d.Count(x => x.Kind == DeliveryKind.Duplicate)} duplicates, " +
            $"{d.Count(x => x.Kind == DeliveryKind.DoubleFired)} double-fired orders, {d.Count(x => x.Late && x.Kind == DeliveryKind.Original)} late, " +
            $"{d.Count(x => x.IsSkewed && x.Kind == DeliveryKind.Original)} from skewed clocks).");
    }
}
