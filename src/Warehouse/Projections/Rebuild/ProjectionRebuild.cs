using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using Warehouse.Database.Migrations;
using Warehouse.EventStore;

namespace Warehouse.Projections.Rebuild;

/// <summary>
/// Replays the whole event store into a fresh copy of schema warehouse's tables (warehouse_rebuild), then swaps
/// the copies in, in one transaction, and re-creates the kpi views on them: readers see the old tables until
/// that commit, and the new ones after it, never a half-built warehouse. The copy carries its own checkpoint,
/// so events that arrive during the rebuild are either replayed by it or, after the swap, by the daemon: none is
/// lost. Every table in schema warehouse is treated as derived from events (copied empty, refilled by the
/// projection and by the listeners' OnRebuiltAsync). The bulk replay runs on several connections by person
/// (ParallelReplay) unless configured to one or the store needs the sequential replay; the catch-up after it
/// is always sequential (it is small).
/// </summary>
public sealed partial class ProjectionRebuild(
    NpgsqlDataSource dataSource, IEventStore eventStore, IEnumerable<IStarSchemaListener> listeners,
    ProjectionOptions options, string readOnlyRole, ILoggerFactory loggerFactory)
{
    public const string Schema = "warehouse_rebuild";
    private const string OldSchema = "warehouse_swapped_out";

    /// <summary>One rebuild at a time per database: the bytes of "WHREBILD".</summary>
    private const long RebuildLockKey = 0x5748_5245_4249_4C44;

    private readonly ILogger _logger = loggerFactory.CreateLogger<ProjectionRebuild>();

    /// <summary>Called after the copy is filled and before the swap (tests check what readers see then).</summary>
    internal Func<Task>? BeforeSwap { get; set; }

    public async Task<RebuildReport> RunAsync(IProgress<RebuildProgress>? progress, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand($"select pg_try_advisory_lock({RebuildLockKey})", conn))
        {
            if (!(bool)(await lockCmd.ExecuteScalarAsync(ct))!)
                throw new InvalidOperationException("Another projection rebuild is running on this database; wait for it to finish.");
        }
        try
        {
            await TuneSessionAsync(conn, ct);
            // A parallel replay fills the copy's first range without its keys, and builds them once (see SchemaCopy).
            var copy = await SchemaCopy.CreateAsync(conn, StarSchemaBatchSchemas.Live, Schema, holdFillIndexes: options.RebuildWorkers > 1, ct);
            var heldIndexes = copy.Fill;
            var projectorLogger = loggerFactory.CreateLogger<BatchProjector>();

            // Bulk phase: big transactions up to the mark as it stands now, then the indexes only reports need.
            var replay = Stopwatch.StartNew();
            long position = 0, events = 0, deadLetters = 0;
            var workers = 1;
            // Everything allocated when the rebuild starts; the safe mark may need a moment to get there (a
            // transaction anywhere in the cluster holds it back), and the replay never passes the safe mark.
            var target = (await eventStore.GetHighWaterMarkAsync(ct)).Newest;
            LogStart(_logger, target, options.RebuildWorkers);
            if (options.RebuildWorkers > 1 && target > 0)
            {
                while ((await eventStore.GetHighWaterMarkAsync(ct)).Safe < target) await Task.Delay(20, ct);
                var parallel = new ParallelReplay(dataSource, options, _logger);
                var replayed = await parallel.RunAsync(Schema, target, options.RebuildWorkers, TuneSessionAsync, heldIndexes,
                    (at, done) => progress?.Report(new RebuildProgress(at, target, done, done / Math.Max(replay.Elapsed.TotalSeconds, 1e-3))), ct);
                if (replayed is var (count, indexesBuilt))
                {
                    (position, events, workers) = (target, count, options.RebuildWorkers);
                    if (indexesBuilt) heldIndexes = [];
                }
                else
                {
                    // Start clean; the time spent so far stays in the replay's figure (it is what the rebuild took).
                    copy = await SchemaCopy.CreateAsync(conn, StarSchemaBatchSchemas.Live, Schema, holdFillIndexes: false, ct);
                    heldIndexes = copy.Fill;
                }
            }
            else if (heldIndexes.Count > 0)
            {
                // Nothing to replay in parallel (an empty store), but the sequential path upserts: keys first.
                await SchemaCopy.CreateIndexesAsync(conn, heldIndexes, ct);
                heldIndexes = [];
            }
            while (position < target)
            {
                var safe = (await eventStore.GetHighWaterMarkAsync(ct)).Safe;
                if (safe <= position)
                {
                    await Task.Delay(20, ct);
                    continue;
                }
                var ceiling = Math.Min(Math.Min(target, safe), position + options.RebuildChunkSize);
                var outcome = await BatchProjector.ProjectIntoAsync(conn, Schema, position, ceiling, null, projectorLogger, ct);
                position = ceiling;
                events += outcome.Events;
                deadLetters += outcome.DeadLetters;
                progress?.Report(new RebuildProgress(position, target, events, events / Math.Max(replay.Elapsed.TotalSeconds, 1e-3)));
            }
            var replaySeconds = replay.Elapsed.TotalSeconds;
            // Durable first, then the reporting indexes: set logged rewrites a table with its indexes.
            await SchemaCopy.SetLoggedAsync(conn, Schema, ct);
            await SchemaCopy.CreateIndexesAsync(conn, heldIndexes.Concat(copy.Reports), ct);

            // Catch up with what arrived meanwhile, outside the swap lock, so the swap itself stays short.
            var caughtUp = await CatchUpAsync(conn, position, null, projectorLogger, ct);
            position = caughtUp.Position;
            events += caughtUp.Events;
            deadLetters += caughtUp.DeadLetters;

            // Statistics before the swap and outside its lock: the final catch-up adds only a few rows.
            await SchemaCopy.AnalyzeAsync(conn, Schema, ct);

            if (BeforeSwap is not null) await BeforeSwap();

            await using (var tx = await conn.BeginTransactionAsync(ct))
            {
                // The swap is the one commit that must be durable (it also flushes everything before it).
                await using (var durable = new NpgsqlCommand("set local synchronous_commit = on", conn, tx))
                    await durable.ExecuteNonQueryAsync(ct);
                // Waits for the daemon's batch in flight, and holds the next one until the swap commits.
                await using (var swapLock = new NpgsqlCommand($"select pg_advisory_xact_lock({BatchProjector.SwapLockKey})", conn, tx))
                    await swapLock.ExecuteNonQueryAsync(ct);
                var last = await CatchUpAsync(conn, position, tx, projectorLogger, ct);
                position = last.Position;
                events += last.Events;
                deadLetters += last.DeadLetters;
                foreach (var listener in listeners) await listener.OnRebuiltAsync(conn, Schema, ct);
                await SchemaCopy.SwapAsync(conn, tx, Schema, StarSchemaBatchSchemas.Live, OldSchema, ct);
                await using (var deferring = new NpgsqlCommand("set local warehouse.in_rebuild_swap = on", conn, tx))
                    await deferring.ExecuteNonQueryAsync(ct);
                await Migrator.RecreateViewsAsync(conn, tx, readOnlyRole, ct);
                await using (var drop = new NpgsqlCommand($"drop schema {OldSchema} cascade; drop schema {Schema};", conn, tx))
                    await drop.ExecuteNonQueryAsync(ct);
                await tx.CommitAsync(ct);
            }
            await AfterSwapAsync(conn, ct);
            var report = new RebuildReport(events, position, deadLetters, replaySeconds,
                replaySeconds > 0 ? events / replaySeconds : 0, total.Elapsed.TotalSeconds, workers);
            LogDone(_logger, report.Events, report.Checkpoint, report.EventsPerSecond, report.TotalSeconds);
            return report;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand($"select pg_advisory_unlock({RebuildLockKey})", conn);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Settings for this connection only (the pool resets them when it is returned): chunk commits need not wait
    /// for the disk, since nothing reads the copy before the swap and a crash means rebuilding anyway; a chunk's
    /// sorts, hashes and temp tables fit in memory; the deferred indexes build in one pass.
    /// temp_buffers can only change before the session's first temp table, hence the guard.
    /// </summary>
    private static async Task TuneSessionAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            set synchronous_commit = off;
            set jit = off;
            set work_mem = '256MB';
            set maintenance_work_mem = '1GB';
            do $$ begin perform set_config('temp_buffers', '512MB', false); exception when others then null; end $$;
            """, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The listeners' slow work on the swapped-in tables (the KPI pre-aggregates: seconds per million facts), out
    /// of the swap so readers are blocked only for the swap itself. The daemon is held off by the swap lock; if it
    /// slips a batch in first, its listeners find the same work stale and do it themselves, and this finds none.
    /// </summary>
    private async Task AfterSwapAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        try
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            await using (var swapLock = new NpgsqlCommand($"select pg_advisory_xact_lock({BatchProjector.SwapLockKey})", conn, tx))
                await swapLock.ExecuteNonQueryAsync(ct);
            foreach (var listener in listeners) await listener.OnSwappedInAsync(conn, ct);
            await tx.CommitAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            // The rebuilt tables are live and correct; only derived upkeep is behind, and the views answer from the
            // facts meanwhile. Failing the whole rebuild here would say the opposite.
            LogAfterSwapFailed(_logger, e.Message);
        }
    }

    [LoggerMessage(LogLevel.Error, "Rebuild swapped in, but the upkeep after the swap failed ({Error}). The KPI views " +
        "answer from the facts meanwhile; run `warehouse migrate` to rebuild the KPI pre-aggregates (the daemon's next " +
        "batch also retries it).")]
    private static partial void LogAfterSwapFailed(ILogger logger, string error);

    private async Task<(long Position, long Events, long DeadLetters)> CatchUpAsync(NpgsqlConnection conn, long position,
        NpgsqlTransaction? tx, ILogger<BatchProjector> projectorLogger, CancellationToken ct)
    {
        long events = 0, deadLetters = 0;
        while (true)
        {
            var safe = (await eventStore.GetHighWaterMarkAsync(ct)).Safe;
            if (safe <= position) return (position, events, deadLetters);
            var ceiling = Math.Min(safe, position + options.RebuildChunkSize);
            var outcome = await BatchProjector.ProjectIntoAsync(conn, Schema, position, ceiling, tx, projectorLogger, ct);
            position = ceiling;
            events += outcome.Events;
            deadLetters += outcome.DeadLetters;
        }
    }

    [LoggerMessage(LogLevel.Information, "Rebuild: replaying events up to sequence {Target} into schema warehouse_rebuild on {Workers} connection(s)")]
    private static partial void LogStart(ILogger logger, long target, int workers);

    [LoggerMessage(LogLevel.Information, "Rebuild swapped in: {Events} events, checkpoint {Checkpoint}, {Rate:0} events/s replay, {Seconds:0.0} s in all")]
    private static partial void LogDone(ILogger logger, long events, long checkpoint, double rate, double seconds);
}

internal static class StarSchemaBatchSchemas
{
    public const string Live = Batch.StarSchemaBatch.LiveSchema;
}

/// <param name="Position">Highest sequence replayed.</param>
/// <param name="Target">The mark the bulk phase replays to.</param>
public sealed record RebuildProgress(long Position, long Target, long Events, double EventsPerSecond);

/// <param name="EventsPerSecond">Events replayed per second in the bulk phase (the figure `bench project` reports).</param>
/// <param name="Workers">Connections the bulk phase replayed on: 1 when it replayed in sequence (configured, or a fallback).</param>
public sealed record RebuildReport(long Events, long Checkpoint, long DeadLetters, double ReplaySeconds, double EventsPerSecond, double TotalSeconds,
    int Workers);
