using Npgsql;

namespace Warehouse.EventStore;

/// <summary>
/// The safe high-water mark by transaction ids instead of timeouts (shared/reference/event-store-lessons.md §8).
/// events.wh_append takes row locks, and so an xid, before it calls nextval. So: observe the allocated high L
/// and the snapshot's xmax X together; once a later snapshot's xmin is at least X, every transaction that
/// could hold a sequence at or below L has ended, and every seq ≤ L is final (committed, or never will be).
/// </summary>
internal sealed class HighWaterTracker(NpgsqlDataSource dataSource)
{
    private readonly Lock _gate = new();
    private long _safe;
    private (long Allocated, ulong Xmax)? _pending;

    public async Task<HighWaterMark> GetAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // The allocated high first, the snapshot in a LATER statement: in one statement the snapshot would be
        // taken before the sequence is read, and a transaction starting in between would be missed. (Stop-gap in
        // the projections branch; the event store branch replaces this class.)
        await using var seqCmd = new NpgsqlCommand(
            "select case when is_called then last_value else last_value - 1 end from events.mt_events_sequence", conn);
        var allocated = (long)(await seqCmd.ExecuteScalarAsync(ct))!;
        await using var cmd = new NpgsqlCommand("""
            select pg_snapshot_xmin(pg_current_snapshot())::text::numeric, pg_snapshot_xmax(pg_current_snapshot())::text::numeric
            """, conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var xmin = (ulong)reader.GetDecimal(0);
        var xmax = (ulong)reader.GetDecimal(1);

        lock (_gate)
        {
            if (_pending is { } p && xmin >= p.Xmax) { _safe = Math.Max(_safe, p.Allocated); _pending = null; }
            if (allocated > _safe)
            {
                // No transaction running in this snapshot: everything allocated is already final.
                if (xmin >= xmax) _safe = allocated;
                else if (_pending is null) _pending = (allocated, xmax);
            }
            return new HighWaterMark(_safe, allocated);
        }
    }
}
