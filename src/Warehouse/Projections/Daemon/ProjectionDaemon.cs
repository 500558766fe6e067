using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Warehouse.EventStore;

namespace Warehouse.Projections.Daemon;

/// <summary>
/// The projection daemon: a hosted service in every `warehouse serve`, of which one per database leads (a
/// session-level advisory lock on a dedicated connection; standbys retry every couple of seconds, so a dead
/// leader's lock, released when its session ends, is taken over well within 10 s). The leader reads up to the
/// event store's safe high-water mark, projects in batches (BatchProjector: writes and checkpoint in one
/// transaction with a compare-and-set), retries transient errors with backoff, and never skips a sequence.
/// </summary>
public sealed partial class ProjectionDaemon(
    NpgsqlDataSource dataSource, IEventStore eventStore, BatchProjector projector, ProjectionOptions options,
    ILogger<ProjectionDaemon> logger) : BackgroundService
{
    /// <summary>Advisory lock key of the leader: the bytes of "WHDAEMON".</summary>
    internal const long LeaderLockKey = 0x5748_4441_454D_4F4E;

    private volatile bool _isLeader;

    public bool IsLeader => _isLeader;

    /// <summary>Backend pid of the connection that holds the leadership lock (tests use it to simulate a crash).</summary>
    public int? LeaderBackendPid { get; private set; }

    /// <summary>Batches committed by this instance (diagnostics, tests).</summary>
    public long BatchesCommitted => Interlocked.Read(ref _batches);

    private long _batches;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Daemon.Enabled) return;
        await Task.Yield(); // let the host finish starting
        var retry = new Backoff(options.Daemon.MaxRetryDelayMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var lockConn = await dataSource.OpenConnectionAsync(stoppingToken);
                if (await TryLockAsync(lockConn, stoppingToken))
                {
                    LeaderBackendPid = lockConn.ProcessID;
                    _isLeader = true;
                    LogLeading(logger, lockConn.ProcessID);
                    try
                    {
                        await LeadAsync(lockConn, retry, stoppingToken);
                    }
                    finally
                    {
                        _isLeader = false;
                        LeaderBackendPid = null;
                        await UnlockQuietlyAsync(lockConn);
                    }
                }
                else
                {
                    await lockConn.CloseAsync();
                    await Task.Delay(options.Daemon.StandbyRetryMilliseconds, stoppingToken);
                }
                retry.Reset();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogRetry(logger, e.Message);
                await DelayQuietlyAsync(retry.Next(), stoppingToken);
            }
        }
    }

    private async Task LeadAsync(NpgsqlConnection lockConn, Backoff retry, CancellationToken ct)
    {
        long checkpoint;
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
            checkpoint = await BatchProjector.ReadCheckpointAsync(conn, null, "warehouse", ct);
        var lastLockCheck = DateTime.UtcNow;
        while (!ct.IsCancellationRequested)
        {
            if (DateTime.UtcNow - lastLockCheck > TimeSpan.FromSeconds(1))
            {
                await CheckLockAsync(lockConn, ct);
                lastLockCheck = DateTime.UtcNow;
            }
            try
            {
                var safe = (await eventStore.GetHighWaterMarkAsync(ct)).Safe;
                if (safe <= checkpoint)
                {
                    await Task.Delay(options.Daemon.PollMilliseconds, ct);
                    continue;
                }
                var ceiling = Math.Min(safe, checkpoint + options.Daemon.BatchSize);
                var outcome = await projector.ProjectAsync(checkpoint, ceiling, ct);
                if (outcome.Advanced) Interlocked.Increment(ref _batches);
                else LogConflict(logger, checkpoint, outcome.Checkpoint);
                checkpoint = outcome.Checkpoint;
                retry.Reset();
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // A transient database error, or a bug in a listener: never let it stop the host; back off,
                // re-read the checkpoint and try the same range again (the lag in /health shows a stall).
                LogRetry(logger, e.Message);
                await Task.Delay(retry.Next(), ct);
                await using var conn = await dataSource.OpenConnectionAsync(ct);
                checkpoint = await BatchProjector.ReadCheckpointAsync(conn, null, "warehouse", ct);
            }
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select pg_try_advisory_lock({LeaderLockKey})", conn);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The lock lives as long as its session: if the session is gone, so is the leadership.</summary>
    private static async Task CheckLockAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        try
        {
            await using var cmd = new NpgsqlCommand(
                $"select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and granted " +
                $"and ((classid::bigint << 32) | objid::bigint) = {LeaderLockKey}", conn);
            if ((long)(await cmd.ExecuteScalarAsync(ct))! == 0) throw new LeadershipLostException("the leadership lock is no longer held");
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
        {
            throw new LeadershipLostException($"the leadership connection failed: {e.Message}");
        }
    }

    private static async Task UnlockQuietlyAsync(NpgsqlConnection conn)
    {
        try
        {
            if (conn.State != System.Data.ConnectionState.Open) return;
            await using var cmd = new NpgsqlCommand($"select pg_advisory_unlock({LeaderLockKey})", conn);
            await cmd.ExecuteScalarAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
        {
            // The session is gone, and the lock with it.
        }
    }

    private static async Task DelayQuietlyAsync(TimeSpan delay, CancellationToken ct)
    {
        try { await Task.Delay(delay, ct); } catch (OperationCanceledException) { }
    }

    [LoggerMessage(LogLevel.Information, "Projection daemon leads (lock held by backend {Pid})")]
    private static partial void LogLeading(ILogger logger, int pid);

    [LoggerMessage(LogLevel.Warning, "Projection daemon: transient failure, retrying: {Error}")]
    private static partial void LogRetry(ILogger logger, string error);

    [LoggerMessage(LogLevel.Warning, "Checkpoint moved under the daemon ({Expected} → {Actual}): another projector or a rebuild advanced it; continuing from there")]
    private static partial void LogConflict(ILogger logger, long expected, long actual);
}

internal sealed class LeadershipLostException(string message) : Exception(message);

/// <summary>Doubling delays from 100 ms up to a ceiling.</summary>
internal sealed class Backoff(int maxMilliseconds)
{
    private int _next = 100;

    public TimeSpan Next()
    {
        var d = _next;
        _next = Math.Min(_next * 2, maxMilliseconds);
        return TimeSpan.FromMilliseconds(d);
    }

    public void Reset() => _next = 100;
}
