namespace Warehouse.EventStore;

/// <summary>Counters of the group-commit writer since start, for metrics, the bench and tests.</summary>
public sealed class EventStoreStats
{
    private long _transactions;
    private long _calls;
    private long _events;
    private long _splits;
    private long _retries;
    private long _overloaded;

    /// <summary>Committed writer transactions.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);
    /// <summary>AppendAsync calls committed (greater than <see cref="Transactions"/> when calls were merged).</summary>
    public long Calls => Interlocked.Read(ref _calls);
    /// <summary>Events carried by committed transactions (duplicates included).</summary>
    public long Events => Interlocked.Read(ref _events);
    /// <summary>Shared transactions that failed and were retried call by call.</summary>
    public long Splits => Interlocked.Read(ref _splits);
    /// <summary>Transactions re-run after a concurrent writer stored one of their ids first.</summary>
    public long Retries => Interlocked.Read(ref _retries);
    /// <summary>Calls refused with <see cref="AppendStatus.Overloaded"/>.</summary>
    public long Overloaded => Interlocked.Read(ref _overloaded);

    internal void CountTransaction(int calls, int events)
    {
        Interlocked.Increment(ref _transactions);
        Interlocked.Add(ref _calls, calls);
        Interlocked.Add(ref _events, events);
    }

    internal void CountSplit() => Interlocked.Increment(ref _splits);
    internal void CountRetry() => Interlocked.Increment(ref _retries);
    internal void CountOverloaded() => Interlocked.Increment(ref _overloaded);
}
