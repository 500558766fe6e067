using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Delivery;

internal enum DeliveryKind
{
    /// <summary>The first delivery of an event.</summary>
    Original,
    /// <summary>The same message again (same messageId): an SDK retry after a lost answer.</summary>
    Duplicate,
    /// <summary>The site's tracking code fired Order Completed twice: a new messageId, the same order_id.</summary>
    DoubleFired,
}

/// <summary>
/// One message as the tracker sends it. <paramref name="SentAt"/> is on the simulated clock (the device's
/// own clock adds <paramref name="ClockSkew"/>); a late delivery is sent hours to days after the event.
/// </summary>
internal sealed record SimDelivery(SimEvent Event, string MessageId, DeliveryKind Kind, DateTimeOffset SentAt, TimeSpan ClockSkew, bool Late)
{
    public bool IsSkewed => ClockSkew != TimeSpan.Zero;
}
