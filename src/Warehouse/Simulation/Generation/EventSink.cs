using Bogus;
using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Generation;

/// <summary>Collects the generated events and numbers them, and the devices, in generation order.</summary>
internal sealed class EventSink
{
    private readonly List<SimEvent> _events = [];

    public int Devices { get; private set; }
    public IReadOnlyList<SimEvent> Events => _events;

    public SimEvent Add(SimEvent e)
    {
        var numbered = e with { Index = _events.Count };
        _events.Add(numbered);
        return numbered;
    }

    public SimDevice NewDevice(Faker faker, string kind, (string Country, string Locale, string Timezone)? place = null) =>
        DeviceFactory.Create(faker, Devices++, kind, place);
}
