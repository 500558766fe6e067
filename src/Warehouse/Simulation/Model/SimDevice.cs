namespace Warehouse.Simulation.Model;

/// <summary>
/// One browser or phone of a person, with its own anonymous id. (Whether its clock is wrong is a delivery
/// fault, drawn separately: see <see cref="Delivery.FaultInjector"/>.)
/// </summary>
internal sealed record SimDevice(
    int Ordinal, string AnonymousId, string Kind, string UserAgent, string OsName, string Locale, string Timezone,
    string Ip, string Country, string City);
