using Npgsql;
using Warehouse.Health;

namespace Warehouse.EventStore;

/// <summary>
/// The "eventStore" section of GET /health: the safe high-water mark and its lag (the metric Marten added late), the
/// append queue and the writers' counters. Unhealthy only when the mark cannot be read; a lag is information, not
/// a failure (a long transaction anywhere in the cluster holds the mark back until it ends).
/// </summary>
public sealed class EventStoreHealth(PostgresEventStore store, EventStoreOptions options) : IHealthContributor
{
    public string Name => "eventStore";

    public async Task<HealthSection> CheckAsync(CancellationToken ct)
    {
        try
        {
            var mark = await store.GetHighWaterMarkAsync(ct);
            var stats = store.Stats;
            return new HealthSection(true, new
            {
                status = "ok",
                highWaterMark = mark.Safe,
                newestSequence = mark.Newest,
                lag = mark.Lag,
                queuedEvents = store.QueuedEvents,
                maxQueuedEvents = options.MaxQueuedEvents,
                writers = new { transactions = stats.Transactions, calls = stats.Calls, events = stats.Events, splits = stats.Splits, retries = stats.Retries, overloaded = stats.Overloaded },
            });
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return new HealthSection(false, new
            {
                status = "unreachable",
                message = $"The event store cannot read its high-water mark: {e.Message}. Check the database section and that migrations are applied (warehouse migrate).",
            });
        }
    }
}
