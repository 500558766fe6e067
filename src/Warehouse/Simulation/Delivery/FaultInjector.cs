using Warehouse.Simulation.Generation;
using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Delivery;

/// <summary>
/// Turns events into deliveries with faults at the configured rates, from its own seeded stream (so the
/// events themselves do not depend on the fault rates): device clocks off by 2 minutes to 6 hours either way,
/// late sends (1 hour to 3 days, log-uniform), duplicate deliveries, double-fired orders. The result is in
/// sending order.
/// </summary>
internal static class FaultInjector
{
    public static IReadOnlyList<SimDelivery> Plan(SimulationOptions options, IReadOnlyList<SimEvent> events)
    {
        var rates = options.Faults;
        var skews = new Dictionary<int, TimeSpan>();
        var skewRandom = new Random(SeedMix.Derive(options.Seed, SeedMix.FaultStream, 0));
        var random = new Random(SeedMix.Derive(options.Seed, SeedMix.FaultStream, 1));
        var deliveries = new List<(SimDelivery D, int Order)>(events.Count + (events.Count / 10));

        foreach (var e in events)
        {
            if (!skews.TryGetValue(e.Device.Ordinal, out var skew))
            {
                // Two draws per device, always, so the skews do not shift when the rate changes.
                var isSkewed = skewRandom.NextDouble() < rates.ClockSkew;
                var magnitude = LogUniform(skewRandom, TimeSpan.FromMinutes(2), TimeSpan.FromHours(6));
                skew = isSkewed ? (skewRandom.NextDouble() < 0.5 ? -magnitude : magnitude) : TimeSpan.Zero;
                skews[e.Device.Ordinal] = skew;
            }
            // A server-side call comes from the shop's backend, whose clock is right.
            var eventSkew = e.AnonymousId is null ? TimeSpan.Zero : skew;

            var late = random.NextDouble() < rates.Late;
            var delay = late
                ? LogUniform(random, TimeSpan.FromHours(1), TimeSpan.FromDays(3))
                : TimeSpan.FromMilliseconds(random.Next(500, 20_000));
            var sentAt = e.Time + delay;
            var messageId = e.MessageId;
            Add(new SimDelivery(e, messageId, DeliveryKind.Original, sentAt, eventSkew, late));

            var duplicate = random.NextDouble() < rates.Duplicate;
            var retryAfter = TimeSpan.FromSeconds(random.Next(5, 600));
            if (duplicate) Add(new SimDelivery(e, messageId, DeliveryKind.Duplicate, sentAt + retryAfter, eventSkew, late));

            if (e.Kind == SimEventKind.OrderCompleted)
            {
                var doubleFired = random.NextDouble() < rates.DoubleFiredOrder;
                var secondId = NewGuid(random);
                if (doubleFired) Add(new SimDelivery(e, secondId, DeliveryKind.DoubleFired, sentAt + TimeSpan.FromSeconds(1), eventSkew, late));
            }
        }
        return deliveries.OrderBy(x => x.D.SentAt).ThenBy(x => x.Order).Select(x => x.D).ToList();

        void Add(SimDelivery d) => deliveries.Add((d, deliveries.Count));
    }

    private static TimeSpan LogUniform(Random random, TimeSpan min, TimeSpan max)
    {
        var log = Math.Log(min.TotalSeconds) + (random.NextDouble() * (Math.Log(max.TotalSeconds) - Math.Log(min.TotalSeconds)));
        return TimeSpan.FromSeconds(Math.Round(Math.Exp(log)));
    }

    private static string NewGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }
}
