using Warehouse.Simulation.Delivery;
using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Generation;

/// <summary>The simulation's entry point: the same options always give the same traffic, event for event.</summary>
internal static class TrafficGenerator
{
    public static SimTraffic Generate(SimulationOptions options)
    {
        options.Validate();
        var catalogue = CatalogueGenerator.Generate(options);
        var sink = new EventSink();
        var people = new PersonSimulator(options, CatalogueGenerator.Popularity(catalogue), sink);
        for (var i = 0; i < options.Users; i++) people.Simulate(i);

        var events = sink.Events.OrderBy(e => e.Time).ThenBy(e => e.Index).ToList();
        var deliveries = FaultInjector.Plan(options, events);
        return new SimTraffic(options, catalogue, events, deliveries, options.Users, sink.Devices);
    }
}
