using Warehouse.Simulation.Delivery;

namespace Warehouse.Simulation.Model;

/// <summary>
/// Everything one simulation produced: the catalogue, the events as they happened (unique, true times) and
/// the deliveries in the order they are sent (with duplicates, late sends and double-fired orders).
/// </summary>
internal sealed record SimTraffic(
    SimulationOptions Options,
    IReadOnlyList<SimProduct> Catalogue,
    IReadOnlyList<SimEvent> Events,
    IReadOnlyList<SimDelivery> Deliveries,
    int People,
    int Devices);
