namespace Warehouse.EventStore;

/// <summary>
/// Splits one call across writer lanes by stream (a stream always goes to the same lane, so its versions stay
/// contiguous and lanes never wait on each other's stream locks), after dropping repeats of an id inside the call
/// (first position wins; the lanes cannot see each other's part of the call).
/// </summary>
internal sealed class LaneSplit
{
    private LaneSplit(AppendedEvent[] results, List<int>[] positions, int duplicates)
    {
        Results = results;
        Positions = positions;
        Duplicates = duplicates;
    }

    /// <summary>Per input position; repeats are already filled in as duplicates, the rest once lanes answer.</summary>
    public AppendedEvent[] Results { get; }

    /// <summary>Per lane, the input positions it carries (empty when none).</summary>
    public List<int>[] Positions { get; }

    public int Duplicates { get; }

    public static LaneSplit Of(IReadOnlyList<NewEvent> events, int lanes)
    {
        var results = new AppendedEvent[events.Count];
        var positions = new List<int>[lanes];
        for (var l = 0; l < lanes; l++) positions[l] = [];
        var seen = new HashSet<Guid>(events.Count);
        var duplicates = 0;
        for (var i = 0; i < events.Count; i++)
        {
            if (!seen.Add(events[i].Id))
            {
                results[i] = new AppendedEvent(AppendOutcome.Duplicate, 0, 0);
                duplicates++;
                continue;
            }
            positions[LaneOf(events[i].StreamId, lanes)].Add(i);
        }
        return new LaneSplit(results, positions, duplicates);
    }

    public static int LaneOf(string streamId, int lanes) => lanes == 1 ? 0 : (int)((uint)StringComparer.Ordinal.GetHashCode(streamId) % (uint)lanes);
}
