using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Warehouse.EventStore;

namespace Warehouse.Host.Cli.Bench;

/// <summary>
/// The ceiling every append path is compared with: binary COPY of the same rows, one connection, fsync on,
/// into a plain table with the same columns and indexes as events.mt_events. Shared by `bench append` and
/// `bench ingest`, so both ratios mean the same thing.
/// </summary>
public static class CopyCeiling
{
    /// <returns>Rows per second, committed.</returns>
    /// <param name="progress">Told the number of rows committed so far, after every batch (optional).</param>
    public static async Task<double> MeasureAsync(NpgsqlDataSource dataSource, IReadOnlyList<NewEvent> events, int batchSize, CancellationToken ct,
        IProgress<int>? progress = null)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using (var setup = new NpgsqlCommand("""
            drop table if exists public.bench_copy_ceiling;
            create table public.bench_copy_ceiling (like events.mt_events including defaults);
            alter table public.bench_copy_ceiling add primary key (seq_id);
            create unique index on public.bench_copy_ceiling (stream_id, version);
            create unique index on public.bench_copy_ceiling (id);
            """, conn))
        {
            await setup.ExecuteNonQueryAsync(ct);
        }

        var stopwatch = Stopwatch.StartNew();
        long seq = 0;
        var versions = new Dictionary<string, long>();
        for (var offset = 0; offset < events.Count; offset += batchSize)
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            await using (var writer = await conn.BeginBinaryImportAsync(
                "copy public.bench_copy_ceiling (seq_id, id, stream_id, version, data, type, timestamp, headers) from stdin (format binary)", ct))
            {
                // Indexing, not Skip/Take: Skip over a plain IReadOnlyList walks from the start every batch.
                for (var i = offset; i < Math.Min(offset + batchSize, events.Count); i++)
                {
                    var e = events[i];
                    var version = versions[e.StreamId] = versions.GetValueOrDefault(e.StreamId) + 1;
                    await writer.StartRowAsync(ct);
                    await writer.WriteAsync(++seq, NpgsqlDbType.Bigint, ct);
                    await writer.WriteAsync(e.Id, NpgsqlDbType.Uuid, ct);
                    await writer.WriteAsync(e.StreamId, NpgsqlDbType.Varchar, ct);
                    await writer.WriteAsync(version, NpgsqlDbType.Bigint, ct);
                    await writer.WriteAsync(e.Data, NpgsqlDbType.Jsonb, ct);
                    await writer.WriteAsync(e.Type, NpgsqlDbType.Varchar, ct);
                    await writer.WriteAsync(e.Timestamp.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
                    if (e.Headers is null) await writer.WriteNullAsync(ct);
                    else await writer.WriteAsync(e.Headers, NpgsqlDbType.Jsonb, ct);
                }
                await writer.CompleteAsync(ct);
            }
            await tx.CommitAsync(ct);
            progress?.Report(Math.Min(offset + batchSize, events.Count));
        }
        var rate = events.Count / stopwatch.Elapsed.TotalSeconds;
        await using (var drop = new NpgsqlCommand("drop table public.bench_copy_ceiling", conn))
            await drop.ExecuteNonQueryAsync(ct);
        return rate;
    }
}
