namespace Warehouse.EventStore;

/// <summary>Configuration section "EventStore".</summary>
public sealed class EventStoreOptions
{
    public const string Section = "EventStore";

    /// <summary>
    /// Back-pressure: events accepted but not yet committed, across all callers. An append that would go past it
    /// gets <see cref="AppendStatus.Overloaded"/> (ingestion answers 503/429 so the tracker retries). A single call
    /// larger than this is still accepted when nothing else is queued, so no call is refused forever.
    /// </summary>
    public int MaxQueuedEvents { get; set; } = 100_000;

    /// <summary>Group commit: the writer merges queued calls into one transaction up to about this many events.</summary>
    public int MaxEventsPerTransaction { get; set; } = 10_000;

    /// <summary>
    /// Writer lanes: each owns a share of the streams (by hash) and commits its own transactions, so appends use
    /// several server cores without waiting on each other's stream locks. A call spanning lanes is answered when
    /// every lane committed its part; if one part fails, the others may already be committed (a retry reports them
    /// as duplicates). 1 = one transaction per merged group of calls.
    /// </summary>
    public int WriterLanes { get; set; } = 2;

    /// <summary>How often <see cref="IEventStore.WaitForEventsAsync"/> re-checks the high-water mark between notifications.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);
}
