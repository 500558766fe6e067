using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.GroundTruth;

/// <summary>
/// The KPIs a correct warehouse must report for the generated traffic, computed independently of it: straight
/// from the events as they happened (each once, at its true time), by the definitions in
/// shared/reference/kpi-definitions.md: activity = page views and user track calls (not identify, not refunds);
/// identity stitched backwards; strict first touch with lower(trim()) UTM, missing = (direct)/(none); orders
/// deduplicated on order_id; days and ISO weeks in the reporting time zone.
/// </summary>
internal sealed partial class GroundTruthCalculator
{
    private readonly TruthWindow _window;
    private readonly Dictionary<string, UserFacts> _users = new(StringComparer.Ordinal);

    private GroundTruthCalculator(IReadOnlyList<SimEvent> events, TruthWindow window)
    {
        _window = window;
        var identity = new IdentityGraph(events);
        var seenOrders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events.OrderBy(e => e.Time).ThenBy(e => e.Index))
        {
            if (!e.IsActivity) continue;
            if (e.Kind == SimEventKind.OrderCompleted && !seenOrders.Add(e.Order!.OrderId)) continue;
            var key = identity.UserOf(e);
            if (!_users.TryGetValue(key, out var user)) _users[key] = user = new UserFacts(key);
            user.Add(e, window.LocalDay(e.Time));
        }
    }

    public static IReadOnlyDictionary<string, KpiTable> Compute(IReadOnlyList<SimEvent> events, TruthWindow window)
    {
        var c = new GroundTruthCalculator(events, window);
        return new Dictionary<string, KpiTable>(StringComparer.Ordinal)
        {
            [KpiNames.Acquisition] = c.Acquisition(),
            [KpiNames.Conversion] = c.Conversion(),
            [KpiNames.Funnel] = c.Funnel(),
            [KpiNames.Retention] = c.Retention(),
            [KpiNames.ActiveUsers] = c.ActiveUsers(),
            [KpiNames.OrderValue] = c.OrderValue(),
        };
    }

    /// <summary>Everything the KPIs need about one resolved person, in event-time order.</summary>
    private sealed class UserFacts(string key)
    {
        public string Key { get; } = key;
        public SimEvent? First { get; private set; }
        public DateOnly FirstDay { get; private set; }
        public SortedSet<DateOnly> ActiveDays { get; } = [];
        public List<(DateTimeOffset Time, DateOnly Day)> Views { get; } = [];
        public List<(DateTimeOffset Time, DateOnly Day)> Adds { get; } = [];
        public List<(DateTimeOffset Time, DateOnly Day, SimOrder Order)> Orders { get; } = [];

        public void Add(SimEvent e, DateOnly day)
        {
            if (First is null) { First = e; FirstDay = day; }
            ActiveDays.Add(day);
            switch (e.Kind)
            {
                case SimEventKind.ProductViewed: Views.Add((e.Time, day)); break;
                case SimEventKind.ProductAdded: Adds.Add((e.Time, day)); break;
                case SimEventKind.OrderCompleted: Orders.Add((e.Time, day, e.Order!)); break;
            }
        }
    }
}
