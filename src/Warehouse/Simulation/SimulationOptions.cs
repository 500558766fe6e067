namespace Warehouse.Simulation;

/// <summary>What to simulate. The same options (seed included) always give byte-identical traffic.</summary>
internal sealed record SimulationOptions
{
    /// <summary>People who arrive during the period (each may use one or two devices).</summary>
    public int Users { get; init; } = 1000;

    public int Days { get; init; } = 30;

    /// <summary>First simulated day (UTC); traffic covers [Start, Start + Days).</summary>
    public DateOnly Start { get; init; } = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-31);

    public int Seed { get; init; } = 1;

    /// <summary>Products in the catalogue.</summary>
    public int Products { get; init; } = 150;

    public string Currency { get; init; } = "USD";

    public FaultRates Faults { get; init; } = FaultRates.Default;

    /// <summary>The half-open UTC instant range the traffic's event times fall in.</summary>
    public DateTimeOffset StartInstant => new(Start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public DateTimeOffset EndInstant => StartInstant.AddDays(Days);

    public DateOnly LastDay => Start.AddDays(Days - 1);

    public void Validate()
    {
        if (Users < 1) throw new ArgumentException("--users must be at least 1.");
        if (Days < 1) throw new ArgumentException("--days must be at least 1.");
        if (Products < 1) throw new ArgumentException("the catalogue needs at least one product.");
        Faults.Validate();
    }
}

/// <summary>
/// Delivery faults, each a probability in [0, 1]:
/// <paramref name="Duplicate"/> a message delivered twice (an SDK retry: same messageId);
/// <paramref name="Late"/> a message delivered hours to days after it happened (offline queue);
/// <paramref name="ClockSkew"/> a device whose clock is wrong by minutes to hours (it sends sentAt, so the
///   warehouse can correct it);
/// <paramref name="DoubleFiredOrder"/> an Order Completed fired twice by the site's tracking code (new messageId,
///   same order_id: orders must be deduplicated on order_id).
/// </summary>
internal sealed record FaultRates(double Duplicate, double Late, double ClockSkew, double DoubleFiredOrder)
{
    public static FaultRates Default { get; } = new(0.02, 0.03, 0.05, 0.02);
    public static FaultRates None { get; } = new(0, 0, 0, 0);

    public void Validate()
    {
        foreach (var (name, value) in new[] { ("duplicate", Duplicate), ("late", Late), ("clock-skew", ClockSkew), ("double-order", DoubleFiredOrder) })
            if (value is < 0 or > 1 || double.IsNaN(value))
                throw new ArgumentException($"the {name} rate must be between 0 and 1 (it is {value}).");
    }
}
