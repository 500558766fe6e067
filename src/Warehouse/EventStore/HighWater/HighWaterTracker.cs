using Npgsql;

namespace Warehouse.EventStore;

/// <summary>
/// The safe high-water mark by transaction ids, without timeouts (shared/reference/event-store-lessons.md §8).
/// events.wh_reserve gives its transaction an xid before it calls nextval. So: read the allocated high L, then,
/// in a LATER statement (a later snapshot), the snapshot's xmax X. Every transaction that drew a number ≤ L had its
/// xid before that snapshot, so its xid is below X. Once some still later snapshot has xmin ≥ X, all of those have
/// ended and every seq ≤ L is final: committed and visible, or never will be. The holes below it are then logged
/// (events.mt_high_water_skips) and the mark is stored (mt_event_progression 'HighWaterMark').
/// Reading L and X in one statement would be wrong: the statement's snapshot is taken before the sequence is read,
/// so a transaction that starts in between would be missed.
/// Caveat of the method: any transaction of the cluster that holds an xid holds the mark back until it ends, so
/// do not keep write transactions open for long (and never poll the mark from inside one: it would wait for itself).
/// </summary>
internal sealed class HighWaterTracker(NpgsqlDataSource dataSource)
{
    private const int MaxObservations = 64;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<(long Allocated, long Xmax)> _observations = [];
    private long _safe = -1;

    public async Task<HighWaterMark> GetAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            if (_safe < 0) _safe = await LoadStoredAsync(conn, ct);

            long allocated, xmin, xmax;
            await using (var batch = new NpgsqlBatch(conn))
            {
                batch.BatchCommands.Add(new("select case when is_called then last_value else last_value - 1 end from events.mt_events_sequence"));
                batch.BatchCommands.Add(new("""
                    select pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint from pg_current_snapshot() s
                    """));
                await using var reader = await batch.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                allocated = reader.GetInt64(0);
                await reader.NextResultAsync(ct);
                await reader.ReadAsync(ct);
                xmin = reader.GetInt64(0);
                xmax = reader.GetInt64(1);
            }

            var safe = _safe;
            while (_observations.Count > 0 && xmin >= _observations[0].Xmax)
            {
                safe = Math.Max(safe, _observations[0].Allocated);
                _observations.RemoveAt(0);
            }
            if (allocated > safe)
            {
                if (xmin >= xmax)
                {
                    // Nothing was running at the second snapshot: every number allocated before it is final.
                    safe = allocated;
                    _observations.Clear();
                }
                else if (_observations.Count == 0 || _observations[^1].Allocated < allocated)
                {
                    if (_observations.Count == MaxObservations) _observations.RemoveAt(_observations.Count - 1);
                    _observations.Add((allocated, xmax));
                }
            }

            if (safe > _safe)
            {
                await using var advance = new NpgsqlCommand("select events.wh_advance_high_water($1, $2)", conn);
                advance.Parameters.Add(new() { Value = _safe });
                advance.Parameters.Add(new() { Value = safe });
                await advance.ExecuteNonQueryAsync(ct);
                _safe = safe;
            }
            return new HighWaterMark(_safe, Math.Max(allocated, _safe));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The mark stored by any process: it was proved safe when stored, so gaps below it are already logged.</summary>
    private static async Task<long> LoadStoredAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "select coalesce((select last_seq_id from events.mt_event_progression where name = 'HighWaterMark'), 0)", conn);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
