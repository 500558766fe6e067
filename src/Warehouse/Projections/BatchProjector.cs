using Microsoft.Extensions.Logging;
using Npgsql;
using Warehouse.Projections.Batch;

namespace Warehouse.Projections;

/// <summary>
/// Projects one range of events and advances the checkpoint in the same transaction, with a compare-and-set on
/// the previous checkpoint as the first statement: of two projectors that both think they own the range, the
/// second blocks on the checkpoint row, then finds it moved and rolls back having changed nothing. An event
/// the projection cannot fold is found by splitting the range (savepoints) and goes to the dead letters; the
/// rest of the range commits.
/// </summary>
public sealed partial class BatchProjector(NpgsqlDataSource dataSource, IEnumerable<IStarSchemaListener> listeners, ILogger<BatchProjector> logger)
{
    public const string CheckpointName = "star_schema";

    /// <summary>Shared by every batch, taken exclusively by a rebuild's swap: no batch straddles a swap.</summary>
    internal const long SwapLockKey = 0x5748_5357_4150_0001; // "WHSWAP" + 1

    private readonly IStarSchemaListener[] _listeners = listeners.ToArray();

    /// <summary>Projects (floor, ceiling] into the live schema if the checkpoint is still <paramref name="floor"/>.</summary>
    public async Task<BatchOutcome> ProjectAsync(long floor, long ceiling, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            return await ProjectAsync(conn, StarSchemaBatch.LiveSchema, floor, ceiling, isolate: false, callListeners: true, ct);
        }
        catch (Exception e) when (ProjectionErrors.IsBadEvent(e))
        {
            LogIsolating(logger, floor, ceiling, e.Message);
            return await ProjectAsync(conn, StarSchemaBatch.LiveSchema, floor, ceiling, isolate: true, callListeners: true, ct);
        }
    }

    /// <summary>The same for a rebuild's schema: no swap lock, no listeners (they rebuild once, at the end).</summary>
    internal static async Task<BatchOutcome> ProjectIntoAsync(NpgsqlConnection conn, string schema, long floor, long ceiling,
        NpgsqlTransaction? outer, ILogger<BatchProjector> logger, CancellationToken ct)
    {
        var projector = new BatchProjector(null!, [], logger);
        // Inside a caller's transaction a failed statement would abort it: go straight to savepoints there.
        if (outer is not null)
            return await projector.RunAsync(conn, schema, floor, ceiling, isolate: true, callListeners: false, outer, ct);
        try
        {
            return await projector.RunAsync(conn, schema, floor, ceiling, isolate: false, callListeners: false, null, ct);
        }
        catch (Exception e) when (ProjectionErrors.IsBadEvent(e))
        {
            return await projector.RunAsync(conn, schema, floor, ceiling, isolate: true, callListeners: false, null, ct);
        }
    }

    private Task<BatchOutcome> ProjectAsync(NpgsqlConnection conn, string schema, long floor, long ceiling, bool isolate,
        bool callListeners, CancellationToken ct) => RunAsync(conn, schema, floor, ceiling, isolate, callListeners, null, ct);

    private async Task<BatchOutcome> RunAsync(NpgsqlConnection conn, string schema, long floor, long ceiling, bool isolate,
        bool callListeners, NpgsqlTransaction? outer, CancellationToken ct)
    {
        var tx = outer ?? await conn.BeginTransactionAsync(ct);
        try
        {
            // No JIT: a batch's statements are estimated costly (jsonb_each guesses 100 rows per document), so
            // PostgreSQL would spend up to a second compiling them, more than they take to run (freshness).
            await ExecAsync(conn, tx, schema == StarSchemaBatch.LiveSchema
                ? $"set local jit = off; select pg_advisory_xact_lock_shared({SwapLockKey})"
                : "set local jit = off", ct);
            await using (var cas = new NpgsqlCommand(
                $"update {schema}.projection_checkpoints set last_seq = $1, updated_at = now() where name = $2 and last_seq = $3", conn, tx))
            {
                cas.Parameters.Add(new() { Value = ceiling });
                cas.Parameters.Add(new() { Value = CheckpointName });
                cas.Parameters.Add(new() { Value = floor });
                if (await cas.ExecuteNonQueryAsync(ct) == 0)
                {
                    if (outer is null) await tx.RollbackAsync(ct);
                    return BatchOutcome.Conflict(await ReadCheckpointAsync(conn, outer, schema, ct));
                }
            }

            var deadLetters = 0;
            BatchResult result;
            if (!isolate)
            {
                result = await StarSchemaBatch.RunAsync(conn, tx, schema, floor, ceiling, ct);
            }
            else
            {
                var seqs = await ReadSequencesAsync(conn, tx, floor, ceiling, ct);
                var changed = new HashSet<long>();
                deadLetters = await IsolateAsync(conn, tx, schema, floor, ceiling, seqs, changed, ct);
                result = new BatchResult(seqs.Count, changed);
            }

            if (callListeners && result.ChangedUserKeys.Count > 0)
                foreach (var listener in _listeners) await listener.OnUsersChangedAsync(conn, result.ChangedUserKeys.ToArray(), ct);
            if (outer is null) await tx.CommitAsync(ct);
            return new BatchOutcome(true, ceiling, result.Events, deadLetters, result.ChangedUserKeys);
        }
        finally
        {
            if (outer is null) await tx.DisposeAsync();
        }
    }

    /// <summary>Splits the range in halves until each failing part is one event; those go to the dead letters.</summary>
    private async Task<int> IsolateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, long floor, long ceiling,
        IReadOnlyList<long> seqs, HashSet<long> changed, CancellationToken ct)
    {
        if (seqs.Count == 0) return 0;
        var savepoint = $"p{floor}";
        await tx.SaveAsync(savepoint, ct);
        try
        {
            var result = await StarSchemaBatch.RunAsync(conn, tx, schema, floor, ceiling, ct);
            await tx.ReleaseAsync(savepoint, ct);
            changed.UnionWith(result.ChangedUserKeys);
            return 0;
        }
        catch (PostgresException e) when (ProjectionErrors.IsBadEvent(e))
        {
            await tx.RollbackAsync(savepoint, ct);
            if (seqs.Count == 1)
            {
                await DeadLetterAsync(conn, tx, schema, seqs[0], e, ct);
                LogDeadLetter(logger, seqs[0], e.MessageText);
                return 1;
            }
            var mid = seqs.Count / 2;
            var split = seqs[mid - 1];
            return await IsolateAsync(conn, tx, schema, floor, split, seqs.Take(mid).ToList(), changed, ct)
                 + await IsolateAsync(conn, tx, schema, split, ceiling, seqs.Skip(mid).ToList(), changed, ct);
        }
    }

    private static async Task DeadLetterAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, long seq, PostgresException e, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            insert into {schema}.projection_dead_letters (seq_id, event_id, event_type, stream_id, error, sqlstate)
            select seq_id, id, type, stream_id, $2, $3 from events.mt_events where seq_id = $1
            on conflict (seq_id) do update set error = excluded.error, sqlstate = excluded.sqlstate, failed_at = now()
            """, conn, tx);
        cmd.Parameters.Add(new() { Value = seq });
        cmd.Parameters.Add(new() { Value = e.MessageText + (e.Detail is { Length: > 0 } d ? " (" + d + ")" : "") });
        cmd.Parameters.Add(new() { Value = e.SqlState });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<List<long>> ReadSequencesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long floor, long ceiling, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select seq_id from events.mt_events where seq_id > $1 and seq_id <= $2 order by seq_id", conn, tx);
        cmd.Parameters.Add(new() { Value = floor });
        cmd.Parameters.Add(new() { Value = ceiling });
        var list = new List<long>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(reader.GetInt64(0));
        return list;
    }

    internal static async Task<long> ReadCheckpointAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select last_seq from {schema}.projection_checkpoints where name = $1", conn, tx);
        cmd.Parameters.Add(new() { Value = CheckpointName });
        return await cmd.ExecuteScalarAsync(ct) is long seq ? seq : 0;
    }

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(LogLevel.Warning, "Batch ({Floor}, {Ceiling}] failed on bad data ({Error}); isolating the event(s) responsible")]
    private static partial void LogIsolating(ILogger logger, long floor, long ceiling, string error);

    [LoggerMessage(LogLevel.Error, "Event {Seq} cannot be projected and went to warehouse.projection_dead_letters: {Error}")]
    private static partial void LogDeadLetter(ILogger logger, long seq, string error);
}

/// <param name="Advanced">False: the checkpoint was not at the floor (another projector moved it); nothing was written.</param>
/// <param name="Checkpoint">The checkpoint after this call.</param>
public sealed record BatchOutcome(bool Advanced, long Checkpoint, int Events, int DeadLetters, IReadOnlySet<long> ChangedUserKeys)
{
    public static BatchOutcome Conflict(long checkpoint) => new(false, checkpoint, 0, 0, new HashSet<long>());
}
