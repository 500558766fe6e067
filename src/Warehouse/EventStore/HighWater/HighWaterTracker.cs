using System.Diagnostics;
using Npgsql;

namespace Warehouse.EventStore;

/// <summary>
/// The safe high-water mark by transaction ids, without timeouts (shared/reference/event-store-lessons.md §8).
/// events.wh_reserve gives its transaction an xid and takes the shared append lock (an advisory lock, migration 0033)
/// before it calls nextval, and a transaction holds both from then until it ends. So: read the allocated high L,
/// then, in a LATER statement, the set R of transactions holding an xid and the append lock. Every transaction that
/// drew a number ≤ L held both before L was read, so it has ended or is in R. Once every member of R has ended,
/// every seq ≤ L is final: committed and visible, or never will be. The holes below it are then logged
/// (events.mt_high_water_skips) and the mark is stored (mt_event_progression 'HighWaterMark').
/// Not the snapshot's xmin/xmax: PostgreSQL sets xmax to the latest COMPLETED xid + 1, so a running transaction
/// whose xid is newer than every completed one appears in neither xmin nor the in-progress list (measured).
/// Only transactions of this database's backends count (a backend cannot draw from another database's sequence),
/// and of those only appenders: a rebuild chunk, a KPI refresh or another tenant's long transaction does not hold
/// the mark back. Caveat: a long APPEND transaction does, so keep them short, and never poll the mark from inside
/// one (it would wait for itself).
/// </summary>
internal sealed class HighWaterTracker(NpgsqlDataSource dataSource)
{
    private const int MaxObservations = 64;

    /// <summary>
    /// How often one call re-reads the xid set before it returns, 2 ms apart. Appends are short transactions
    /// (reserve, COPY, commit: a few ms), so the observation a call makes is usually final a few ms later; without
    /// settling it would wait for the NEXT call, and under steady traffic the daemon (which calls between batches)
    /// would always project one batch behind: a whole batch duration of freshness lost. Bounded, because a long
    /// append transaction (a big import) legitimately holds the mark for its whole life; while
    /// the oldest pending observation is older than <see cref="SettleWindow"/>, such a transaction is what holds
    /// it, and settling is skipped rather than polling pg_locks in vain on every call.
    /// </summary>
    private const int SettleRounds = 8;

    private static readonly TimeSpan SettleWindow = TimeSpan.FromMilliseconds(250);

    private const string AllocatedSql = "select case when is_called then last_value else last_value - 1 end from events.mt_events_sequence";

    /// <summary>
    /// The xid holders of this database that may hold event numbers: those holding the append lock events.wh_reserve
    /// takes before it draws (migration 0033); while no tracker has seen that definition yet ($1 null), every one;
    /// and those that started before a tracker first saw it ($1), since they may run the old body, which draws
    /// without the lock.
    /// A prepared transaction has no backend: kept (safe side). Other databases' backends never count: a backend is
    /// bound to one database and cannot draw from this one's sequence.
    /// </summary>
    private const string RunningSql = """
        select coalesce(array_agg(l.transactionid::text::bigint), '{}') from pg_locks l
        where l.locktype = 'transactionid' and l.mode = 'ExclusiveLock' and l.granted
          and (l.pid is null
               or l.pid in (select a.pid from pg_stat_activity a
                            where a.datid = (select d.oid from pg_database d where d.datname = current_database())
                              and ($1::timestamptz is null
                                   or a.xact_start < $1::timestamptz
                                   or exists (select 1 from pg_locks al
                                              where al.pid = a.pid and al.locktype = 'advisory' and al.granted
                                                and al.classid = 1464353104 and al.objid = 1346719300 and al.objsubid = 1))))
        """;

    /// <summary>Whether events.wh_reserve takes the append lock (key 6289348692822806084, "WHAPPEND"), and the server time now.</summary>
    private const string AnnouncesSql = """
        select clock_timestamp(),
               coalesce((select position('pg_advisory_xact_lock_shared(6289348692822806084)' in p.prosrc) > 0
                         from pg_proc p where p.oid = to_regprocedure('events.wh_reserve(uuid[], character varying[])')), false)
        """;

    /// <summary>Server time since which wh_reserve takes the append lock (events.wh_append_lock_seen); null until seen.</summary>
    private DateTime? _announcedSince;

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
            _announcedSince ??= await AnnouncedSinceAsync(conn, ct);

            long allocated;
            HashSet<long> running;
            await using (var batch = new NpgsqlBatch(conn))
            {
                batch.BatchCommands.Add(new(AllocatedSql));
                batch.BatchCommands.Add(Running());
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

    private async Task<HashSet<long>> ReadRunningAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn) { BatchCommands = { Running() } };
        return [.. (long[])(await batch.ExecuteScalarAsync(ct))!];
    }

    private NpgsqlBatchCommand Running() =>
        new(RunningSql) { Parameters = { new NpgsqlParameter<DateTime?> { TypedValue = _announcedSince, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz } } };

    /// <summary>
    /// When wh_reserve already takes the append lock: the earliest time any tracker saw that (stored by the first;
    /// a time read after the definition committed, so every transaction started later runs the new body).
    /// </summary>
    private static async Task<DateTime?> AnnouncedSinceAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        DateTime now;
        await using (var cmd = new NpgsqlCommand(AnnouncesSql, conn))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            if (!reader.GetBoolean(1)) return null;
            now = reader.GetDateTime(0);
        }
        await using var store = new NpgsqlCommand("""
            with first as (insert into events.wh_append_lock_seen (seen_at) values ($1) on conflict (only_row) do nothing returning seen_at)
            select coalesce((select seen_at from first), (select seen_at from events.wh_append_lock_seen))
            """, conn);
        store.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        return (DateTime)(await store.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The mark stored by any process: it was proved safe when stored, so gaps below it are already logged.</summary>
    private static async Task<long> LoadStoredAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "select coalesce((select last_seq_id from events.mt_event_progression where name = 'HighWaterMark'), 0)", conn);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
