using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using Warehouse.Projections.Batch;

namespace Warehouse.Projections.Rebuild;

/// <summary>
/// The bulk replay of a rebuild on several connections, so that PostgreSQL uses every core. The sequential replay
/// cannot simply be split: persons merge as links arrive, and two connections upserting the same identities or
/// products wait on each other (or deadlock). So this one first decides, once, what crosses persons: which ids end
/// up one person (every link in the store, union-find, smallest key: the rule merges follow). Then, range by
/// range, it stages the events once into a table partitioned by person, decides the range's orders, and N workers
/// fold one partition each with the batch statements (final keys: no merges, no shared rows), while one more
/// connection folds the range's products. When the store holds an event only the sequential replay handles
/// exactly (one it would dead-letter, or an alias that names an id without linking it), this gives up and says
/// so; the caller then replays in sequence.
/// </summary>
internal sealed partial class ParallelReplay(NpgsqlDataSource dataSource, ProjectionOptions options, ILogger logger)
{
    /// <param name="fillIndexes">The copy's held keys and indexes (SchemaCopy.CreateAsync): built here after the first
    /// range when another follows (its upserts need them); otherwise left to the caller, to build after the replay.</param>
    /// <returns>The events replayed and whether the held indexes were built, or null when the caller must replay in
    /// sequence (the copy is then dirty).</returns>
    public async Task<(long Events, bool IndexesBuilt)?> RunAsync(string schema, long target, int workers,
        Func<NpgsqlConnection, CancellationToken, Task> tune, IReadOnlyList<string> fillIndexes, Action<long, long>? progress, CancellationToken ct)
    {
        var connections = new List<NpgsqlConnection>();
        try
        {
            // One connection per worker, one for products, one to coordinate; each tuned as the rebuild's own.
            for (var i = 0; i < workers + 2; i++)
            {
                connections.Add(await dataSource.OpenConnectionAsync(ct));
                await tune(connections[i], ct);
            }
            await ExecAsync(connections[^1], ParallelReplaySql.CreateWork(workers), ct);
            return await RunPhasesAsync(schema, target, connections, fillIndexes, progress, ct);
        }
        finally
        {
            foreach (var conn in connections) await conn.DisposeAsync();
            await using var cleanup = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await ExecAsync(cleanup, ParallelReplaySql.DropWork, CancellationToken.None);
        }
    }

    private async Task<(long Events, bool IndexesBuilt)?> RunPhasesAsync(string schema, long target, List<NpgsqlConnection> connections,
        IReadOnlyList<string> fillIndexes, Action<long, long>? progress, CancellationToken ct)
    {
        var workers = connections.Count - 2;
        var (products, coordinator) = (connections[^2], connections[^1]);
        var clock = Stopwatch.StartNew();
        var decided = await RunAllOrFallbackAsync(ct, token => MapPersonsAsync(connections[0], target, token));
        if (decided is null) return null;
        if (!decided[0])
        {
            LogFallback(logger, "an alias event names a previousId without a userId");
            return null;
        }
        LogDecided(logger, clock.Elapsed.TotalSeconds);

        for (var w = 0; w < workers; w++) await ExecAsync(connections[w], ParallelReplaySql.WorkerView(w), ct);
        await ExecAsync(products, ParallelReplaySql.ProductsView, ct);

        long events = 0;
        // Each worker's share of a range is about RebuildChunkSize events; ranges of equal size, so that a store a
        // little over a range is not replayed as one full range and one small one (each range costs its products pass).
        var ranges = Math.Max(1, (long)Math.Round(target / ((double)options.RebuildChunkSize * workers)));
        var step = (target + ranges - 1) / ranges;
        var indexesBuilt = false;
        for (long floor = 0; floor < target; floor += step)
        {
            var ceiling = Math.Min(target, floor + step);
            if (floor > 0 && !indexesBuilt)
            {
                await SchemaCopy.CreateIndexesAsync(coordinator, fillIndexes, ct);
                indexesBuilt = true;
            }
            await ExecAsync(coordinator, ParallelReplaySql.ClearStaged, ct);
            var slice = (ceiling - floor + workers - 1) / workers;
            long staged = 0;
            if (await RunAllOrFallbackAsync(ct, [.. Enumerable.Range(0, workers).Select(w => (Func<CancellationToken, Task<bool>>)(async token =>
                {
                    var rows = await ExecCountAsync(connections[w],
                        ParallelReplaySql.Stage(floor + w * slice, Math.Min(ceiling, floor + (w + 1) * slice), workers), token);
                    Interlocked.Add(ref staged, rows);
                    return true;
                }))])
                is null) return null;
            var fresh = floor == 0;
            // The range's orders are decided beside the folds; the workers' order lines wait for them (the lock).
            await ExecAsync(coordinator, ParallelReplaySql.HoldOrders, ct);
            var orders = (Func<CancellationToken, Task<bool>>)(async token =>
            {
                try
                {
                    return await ExecInTransactionAsync(coordinator, ParallelReplaySql.Orders(schema, fresh), token);
                }
                finally
                {
                    await ReleaseOrdersAsync(coordinator);
                }
            });

            var folds = Enumerable.Range(0, workers).Select(w => (Func<CancellationToken, Task<bool>>)(async token =>
            {
                await ExecAsync(connections[w], ParallelReplaySql.AnalyzeStaged(w), token);
                await using var tx = await connections[w].BeginTransactionAsync(token);
                await StarSchemaBatch.RunShareAsync(connections[w], tx, schema, fresh ? ParallelReplaySql.ShareOf("i.user_key", w, workers) : null, token);
                await tx.CommitAsync(token);
                return true;
            })).Append(token => ExecInTransactionAsync(products, ParallelReplaySql.Products(schema), token)).Prepend(orders);
            if (await RunAllOrFallbackAsync(ct, [.. folds]) is null) return null;
            events += staged;
            progress?.Invoke(ceiling, events);
        }

        await using (var checkpoint = new NpgsqlCommand(
            $"update {schema}.projection_checkpoints set last_seq = $1, updated_at = now() where name = $2", coordinator))
        {
            checkpoint.Parameters.Add(new() { Value = target });
            checkpoint.Parameters.Add(new() { Value = BatchProjector.CheckpointName });
            await checkpoint.ExecuteNonQueryAsync(ct);
        }
        return (events, indexesBuilt);
    }

    /// <summary>
    /// Reads every link, finds the persons in memory and stores the keys whose person merges with others, with the
    /// person's final key. False: an event belongs to no single person (see ParallelReplaySql.Links).
    /// </summary>
    private static async Task<bool> MapPersonsAsync(NpgsqlConnection conn, long target, CancellationToken ct)
    {
        var persons = new PersonComponents();
        await using (var links = new NpgsqlCommand(ParallelReplaySql.Links, conn) { CommandTimeout = 0 })
        {
            links.Parameters.Add(new() { Value = target });
            await using var reader = await links.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (reader.GetBoolean(2)) return false;
                persons.Link(reader.GetInt64(0), reader.GetInt64(1));
            }
        }
        // Two array parameters, one statement: a COPY row by row cost the client several times the server's time.
        var merges = persons.Merges().ToList();
        await using (var map = new NpgsqlCommand(
            $"insert into {ParallelReplaySql.PersonMap} (own_key, user_key) select * from unnest($1::bigint[], $2::bigint[])", conn) { CommandTimeout = 0 })
        {
            map.Parameters.Add(new() { Value = merges.Select(m => m.Old).ToArray() });
            map.Parameters.Add(new() { Value = merges.Select(m => m.New).ToArray() });
            await map.ExecuteNonQueryAsync(ct);
        }
        await ExecAsync(conn, $"analyze {ParallelReplaySql.PersonMap}", ct);
        return true;
    }

    /// <summary>Runs the parts side by side, each on its own connection; the first to fail cancels the others.</summary>
    /// <returns>Their results, or null when one failed on an event the sequential replay would dead-letter.</returns>
    private async Task<bool[]?> RunAllOrFallbackAsync(CancellationToken ct, params Func<CancellationToken, Task<bool>>[] parts)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tasks = parts.Select(part => Task.Run(async () =>
        {
            try
            {
                return await part(failed.Token);
            }
            catch
            {
                await failed.CancelAsync();
                throw;
            }
        }, ct)).ToArray();
        try
        {
            return await Task.WhenAll(tasks);
        }
        catch (Exception) when (tasks.Any(t => t.Exception?.InnerExceptions.Any(ProjectionErrors.IsBadEvent) == true))
        {
            var bad = tasks.SelectMany(t => t.Exception?.InnerExceptions ?? []).First(ProjectionErrors.IsBadEvent);
            LogFallback(logger, "an event cannot be projected (" + bad.Message + ")");
            return null;
        }
    }

    /// <summary>Never masks the error that ended the orders: a connection that cannot run it loses the lock when closed.</summary>
    private static async Task ReleaseOrdersAsync(NpgsqlConnection coordinator)
    {
        try
        {
            await ExecAsync(coordinator, ParallelReplaySql.ReleaseOrders, CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // the session ends with the rebuild, and its advisory locks with it
        }
    }

    private static async Task<bool> ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
        return true;
    }

    private static async Task<long> ExecCountAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<bool> ExecInTransactionAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 })
            await cmd.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    [LoggerMessage(LogLevel.Information, "Rebuild: persons decided in {Seconds:0.0} s; replaying by person")]
    private static partial void LogDecided(ILogger logger, double seconds);

    [LoggerMessage(LogLevel.Warning, "Rebuild: replaying in sequence instead of in parallel: {Reason}. The result is the same; only slower.")]
    private static partial void LogFallback(ILogger logger, string reason);
}
