namespace Warehouse.Simulation.Model;

internal enum SimEventKind
{
    Page,
    ProductViewed,
    ProductAdded,
    ProductRemoved,
    CheckoutStarted,
    OrderCompleted,
    OrderRefunded,
    Identify,
}

/// <summary>The page an event was made on (context.page), and for page calls the page itself.</summary>
internal sealed record SimPage(string Path, string Title, string Url, string Search, string? Referrer);

internal sealed record SimLine(SimProduct Product, int Quantity)
{
    public decimal Amount => Product.Price * Quantity;
}

/// <summary>An order. Revenue is after discount and without shipping and tax, as the e-commerce spec says.</summary>
internal sealed record SimOrder(
    string OrderId, string CheckoutId, IReadOnlyList<SimLine> Lines, decimal Subtotal, decimal Discount,
    string? Coupon, decimal Revenue, decimal Shipping, decimal Tax, string Currency)
{
    public decimal Total => Revenue + Shipping + Tax;
}

/// <summary>
/// One thing that happened, once, at its true time: what the ground truth counts. Deliveries (duplicates,
/// late sends, double-fired orders) are separate (<see cref="Delivery.SimDelivery"/>).
/// </summary>
internal sealed record SimEvent
{
    /// <summary>Position in generation order; the tie-breaker that keeps every ordering deterministic.</summary>
    public required int Index { get; init; }
    public required string MessageId { get; init; }
    public required SimEventKind Kind { get; init; }
    /// <summary>The true time (whole seconds, UTC).</summary>
    public required DateTimeOffset Time { get; init; }
    public required SimDevice Device { get; init; }
    /// <summary>Null: the tracker does not send the anonymous id (a server-side call).</summary>
    public string? AnonymousId { get; init; }
    public string? UserId { get; init; }
    public SimPage? Page { get; init; }
    public SimCampaign? Campaign { get; init; }
    public SimProduct? Product { get; init; }
    public int Quantity { get; init; }
    public string? CartId { get; init; }
    public SimOrder? Order { get; init; }
    public SimPerson? Traits { get; init; }

    /// <summary>Activity in the KPI sense: page views and user-initiated track calls; not identify, not refunds.</summary>
    public bool IsActivity => Kind is not (SimEventKind.Identify or SimEventKind.OrderRefunded);
}
