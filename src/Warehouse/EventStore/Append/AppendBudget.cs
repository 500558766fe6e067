namespace Warehouse.EventStore;

/// <summary>
/// Back-pressure: events accepted but not yet answered, across every lane. A call that would pass
/// <see cref="EventStoreOptions.MaxQueuedEvents"/> is refused whole (nothing of it is queued). A call bigger than the
/// limit is still taken when nothing else is queued, so no call is refused forever.
/// </summary>
internal sealed class AppendBudget(int maxQueuedEvents)
{
    private long _queued;

    public long Queued => Interlocked.Read(ref _queued);

    public bool TryReserve(int count)
    {
        while (true)
        {
            var queued = Interlocked.Read(ref _queued);
            if (queued > 0 && queued + count > maxQueuedEvents) return false;
            if (Interlocked.CompareExchange(ref _queued, queued + count, queued) == queued) return true;
        }
    }

    public void Release(int count) => Interlocked.Add(ref _queued, -count);
}
