using System.Diagnostics;
using Npgsql;

namespace Warehouse.EventStore;

/// <summary>
/// The safe high-water mark by transaction ids, without timeouts (shared/reference/event-store-lessons.md §8).
/// events.wh_reserve gives its transaction an xid before it calls nextval, and a transaction holds the lock on its
/// own xid (pg_locks, locktype 'transactionid') from the moment it has one until it ends. So: read the allocated
/// high L, then, in a LATER statement, the set R of transactions holding an xid. Every transaction that drew a
/// number ≤ L had its xid before L was read, so it has ended or is in R. Once every member of R has ended, every
/// seq ≤ L is final: committed and visible, or never will be. The holes below it are then logged
/// (events.mt_high_water_skips) and the mark is stored (mt_event_progression 'HighWaterMark').
/// Not the snapshot's xmin/xmax: PostgreSQL sets xmax to the latest COMPLETED xid + 1, so a running transaction
/// whose xid is newer than every completed one appears in neither xmin nor the in-progress list (measured).
/// Only transactions of backends connected to this database count: a backend is bound to one database for its
/// whole life and cannot draw from this database's sequence otherwise, so another database's long transaction
/// (another tenant of a shared server, another test class) does not hold our mark back. Caveat of the method:
/// any transaction of this database that holds an xid when L is read holds the mark back until it ends, so do not
/// keep write transactions open for long, and never poll the mark from inside one (it would wait for itself).
/// </summary>
internal sealed class HighWaterTracker(NpgsqlDataSource dataSource)
{
    private const int MaxObservations = 64;

    /// <summary>
    /// How often one call re-reads the xid set before it returns, 2 ms apart. Appends are short transactions
    /// (reserve, COPY, commit: a few ms), so the observation a call makes is usually final a few ms later; without
    /// settling it would wait for the NEXT call, and under steady traffic the daemon (which calls between batches)
    /// would always project one batch behind: a whole batch duration of freshness lost. Bounded, because a long
    /// write transaction (a rebuild chunk, a bulk import) legitimately holds the mark for its whole life; while
    /// the oldest pending observation is older than <see cref="SettleWindow"/>, such a transaction is what holds
    /// it, and settling is skipped rather than polling pg_locks in vain on every call.
    /// </summary>
    private const int SettleRounds = 8;

    private static readonly TimeSpan SettleWindow = TimeSpan.FromMilliseconds(250);

    private const string AllocatedSql = "select case when is_called then last_value else last_value - 1 end from events.mt_events_sequence";

    private const string RunningSql = """
        select coalesce(array_agg(l.transactionid::text::bigint), '{}') from pg_locks l
        where l.locktype = 'transactionid' and l.mode = 'ExclusiveLock' and l.granted
          and (l.pid is null -- a prepared transaction: no backend, so keep it (safe side)
               or l.pid in (select a.pid from pg_stat_activity a where a.datid =
                                (select d.oid from pg_database d where d.datname = current_database())))
        """;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<(long Allocated, long[] Running, long At)> _observations = [];
    private long _safe = -1;

    public async Task<HighWaterMark> GetAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            if (_safe < 0) _safe = await LoadStoredAsync(conn, ct);

            long allocated;
            HashSet<long> running;
            await using (var batch = new NpgsqlBatch(conn))
            {
                batch.BatchCommands.Add(new(AllocatedSql));
                batch.BatchCommands.Add(new(RunningSql));
                await using var reader = await batch.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                allocated = reader.GetInt64(0);
                await reader.NextResultAsync(ct);
                await reader.ReadAsync(ct);
                running = [.. reader.GetFieldValue<long[]>(0)];
            }

            var safe = Settle(_safe, running);
            if (allocated > safe)
            {
                if (running.Count == 0)
                {
                    // No transaction held an xid after L was read: every number allocated before is final.
                    safe = allocated;
                    _observations.Clear();
                }
                else if (_observations.Count == 0 || _observations[^1].Allocated < allocated)
                {
                    if (_observations.Count == MaxObservations) _observations.RemoveAt(_observations.Count - 1);
                    _observations.Add((allocated, [.. running], Stopwatch.GetTimestamp()));
                }
            }
            for (var round = 0; round < SettleRounds && _observations.Count > 0
                                && Stopwatch.GetElapsedTime(_observations[0].At) < SettleWindow; round++)
            {
                await Task.Delay(2, ct);
                safe = Settle(safe, await ReadRunningAsync(conn, ct));
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

    /// <summary>
    /// Observations are in allocation order; each is final once none of the transactions it saw still runs.
    /// Drops the final ones and returns the mark they prove.
    /// </summary>
    private long Settle(long safe, HashSet<long> running)
    {
        var finalUpTo = -1;
        for (var i = 0; i < _observations.Count; i++)
        {
            if (_observations[i].Running.Any(running.Contains)) continue;
            finalUpTo = i;
        }
        for (var i = 0; i <= finalUpTo; i++) safe = Math.Max(safe, _observations[i].Allocated);
        if (finalUpTo >= 0) _observations.RemoveRange(0, finalUpTo + 1);
        return safe;
    }

    private static async Task<HashSet<long>> ReadRunningAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(RunningSql, conn);
        return [.. (long[])(await cmd.ExecuteScalarAsync(ct))!];
    }

    /// <summary>The mark stored by any process: it was proved safe when stored, so gaps below it are already logged.</summary>
    private static async Task<long> LoadStoredAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "select coalesce((select last_seq_id from events.mt_event_progression where name = 'HighWaterMark'), 0)", conn);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
