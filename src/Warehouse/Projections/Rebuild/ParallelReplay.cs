using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Warehouse.Projections.Batch;

namespace Warehouse.Projections.Rebuild;

/// <summary>
/// The bulk replay of a rebuild on several connections, so that PostgreSQL uses every core. The sequential replay
/// cannot be split as it stands: persons merge as links arrive, and two connections upserting the same identities
/// or products would wait on each other (or deadlock). So the parallel one decides first, once, what crosses
/// persons: (1) which ids end up one person (every link in the store, union-find, smallest key wins: the rule
/// merges follow) and (2) dim_products and orders (rules that do not depend on chunk order); then (3) N workers
/// replay the same chunks, each only the events of its persons, with the final keys: no merges, no shared rows.
/// When the store holds an event only the sequential replay handles exactly (one it would dead-letter, or an
/// alias that names an id without linking it), this gives up and says so; the caller replays in sequence.
/// </summary>
internal sealed partial class ParallelReplay(NpgsqlDataSource dataSource, ProjectionOptions options, ILogger logger)
{
    /// <returns>The events replayed, or null when the caller must replay in sequence (the copy is then dirty).</returns>
    public async Task<long?> RunAsync(string schema, long target, int workers, Func<NpgsqlConnection, CancellationToken, Task> tune,
        Action<long, long>? progress, CancellationToken ct)
    {
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        await using (var create = new NpgsqlCommand(ParallelReplaySql.CreateWork, conn))
            await create.ExecuteNonQueryAsync(ct);
        try
        {
            return await RunPhasesAsync(schema, target, workers, tune, progress, ct);
        }
        finally
        {
            await using var conn = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await using var drop = new NpgsqlCommand(ParallelReplaySql.DropWork, conn);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<long?> RunPhasesAsync(string schema, long target, int workers, Func<NpgsqlConnection, CancellationToken, Task> tune,
        Action<long, long>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // Persons and products/orders read the store side by side: two connections, two cores.
        var decided = await RunAllOrFallbackAsync(ct,
            token => MapPersonsAsync(target, tune, token),
            token => ProductsAndOrdersAsync(schema, target, tune, token));
        if (decided is null) return null;
        if (!decided[0])
        {
            LogFallback(logger, "an alias event names a previousId without a userId");
            return null;
        }
        LogDecided(logger, clock.Elapsed.TotalSeconds);

        long events = 0;
        var positions = new long[workers];
        var step = (long)options.RebuildChunkSize * workers; // each worker's chunk holds about RebuildChunkSize events
        var replays = Enumerable.Range(0, workers).Select(index => (Func<CancellationToken, Task<bool>>)(async token =>
        {
            await using var conn = await dataSource.OpenConnectionAsync(token);
            await tune(conn, token);
            var share = new PersonShare(index, workers, ParallelReplaySql.PersonMap);
            for (long floor = 0; floor < target; floor += step)
            {
                var ceiling = Math.Min(target, floor + step);
                await using var tx = await conn.BeginTransactionAsync(token);
                var result = await StarSchemaBatch.RunAsync(conn, tx, schema, floor, ceiling, token, share);
                await tx.CommitAsync(token);
                Interlocked.Add(ref events, result.Events);
                Volatile.Write(ref positions[index], ceiling);
                progress?.Invoke(positions.Min(), Interlocked.Read(ref events));
            }
            return true;
        })).ToArray();
        if (await RunAllOrFallbackAsync(ct, replays) is null) return null;

        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        await using (var checkpoint = new NpgsqlCommand(
            $"update {schema}.projection_checkpoints set last_seq = $1, updated_at = now() where name = $2", conn))
        {
            checkpoint.Parameters.Add(new() { Value = target });
            checkpoint.Parameters.Add(new() { Value = BatchProjector.CheckpointName });
            await checkpoint.ExecuteNonQueryAsync(ct);
        }
        return events;
    }

    /// <summary>
    /// Reads every link, finds the persons in memory and stores the ids whose person merges with others, with the
    /// person's final key. False: an event belongs to no single person (see ParallelReplaySql.Links).
    /// </summary>
    private async Task<bool> MapPersonsAsync(long target, Func<NpgsqlConnection, CancellationToken, Task> tune,
        CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await tune(conn, ct);
        var persons = new PersonComponents();
        var keys = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var links = new NpgsqlCommand(ParallelReplaySql.Links, conn) { CommandTimeout = 0 })
        {
            links.Parameters.Add(new() { Value = target });
            await using var reader = await links.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var (x, y) = (reader.GetString(0), reader.GetString(1));
                if (x.Length == 0) return false;
                var (kx, ky) = (reader.GetInt64(2), reader.GetInt64(3));
                keys[x] = kx;
                keys[y] = ky;
                persons.Link(kx, ky);
            }
        }
        await using (var writer = await conn.BeginBinaryImportAsync(
            $"copy {ParallelReplaySql.PersonMap} (identity, user_key) from stdin (format binary)", ct))
        {
            foreach (var (identity, key) in keys)
            {
                var person = persons.Find(key);
                if (person == key) continue; // its own key: the workers compute it
                await writer.StartRowAsync(ct);
                await writer.WriteAsync(identity, NpgsqlDbType.Text, ct);
                await writer.WriteAsync(person, NpgsqlDbType.Bigint, ct);
            }
            await writer.CompleteAsync(ct);
        }
        await using (var analyze = new NpgsqlCommand($"analyze {ParallelReplaySql.PersonMap}", conn))
            await analyze.ExecuteNonQueryAsync(ct);
        return true;
    }

    private async Task<bool> ProductsAndOrdersAsync(string schema, long target, Func<NpgsqlConnection, CancellationToken, Task> tune, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await tune(conn, ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand(ParallelReplaySql.ProductsAndOrders(schema, target), conn, tx) { CommandTimeout = 0 })
            await cmd.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// Runs the parts side by side; the first to fail cancels the others.
    /// </summary>
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

    [LoggerMessage(LogLevel.Information, "Rebuild: persons, products and orders decided in {Seconds:0.0} s; replaying by person")]
    private static partial void LogDecided(ILogger logger, double seconds);

    [LoggerMessage(LogLevel.Warning, "Rebuild: replaying in sequence instead of in parallel: {Reason}. The result is the same; only slower.")]
    private static partial void LogFallback(ILogger logger, string reason);
}
