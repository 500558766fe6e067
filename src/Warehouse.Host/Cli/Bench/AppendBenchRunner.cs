using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Warehouse.Database;
using Warehouse.Database.Migrations;
using Warehouse.EventStore;

namespace Warehouse.Host.Cli.Bench;

public sealed record AppendBenchSettings(int Events, IReadOnlyList<int> Writers, int Batch);

public sealed record AppendBenchRun(int Writers, double EventsPerSecond, double Ratio, double P50Ms, double P99Ms,
    long Transactions, double BytesPerEvent);

public sealed record AppendBenchResult(int Events, double CeilingEventsPerSecond, IReadOnlyList<AppendBenchRun> Runs)
{
    /// <summary>The last line of the output: the run with the most writers (the group-commit target).</summary>
    public string SummaryLine
    {
        get
        {
            var best = Runs.MaxBy(r => r.Writers)!;
            return string.Create(CultureInfo.InvariantCulture, $"append: {best.EventsPerSecond:F0} events/s, {best.Ratio:F2} of COPY ceiling");
        }
    }
}

/// <summary>
/// `bench append`: in a scratch database on the same server (created, migrated, dropped), measures the binary COPY
/// ceiling, then for each writer count appends the same events through <see cref="PostgresEventStore"/> (each writer
/// one AppendAsync per batch, waiting for its durable answer) into an emptied event store.
/// </summary>
public static class AppendBenchRunner
{
    public static async Task<AppendBenchResult> RunAsync(string connectionString, AppendBenchSettings settings, TextWriter output, CancellationToken ct)
    {
        var scratch = $"wh_bench_{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid().ToString("N")[..6]}";
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await ExecuteAsync(admin, $"create database {scratch}", ct);
        try
        {
            var csb = new NpgsqlConnectionStringBuilder(connectionString) { Database = scratch, MaxPoolSize = 100 };
            await using var dataSource = WarehouseDataSource.Create(csb.ConnectionString, "warehouse-bench");
            await new Migrator(dataSource, new DatabaseOptions(), NullLogger<Migrator>.Instance).MigrateAsync(ct);
            return await MeasureAsync(dataSource, settings, output, ct);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"drop database if exists {scratch} with (force)", CancellationToken.None);
        }
    }

    private static async Task<AppendBenchResult> MeasureAsync(NpgsqlDataSource dataSource, AppendBenchSettings settings, TextWriter output, CancellationToken ct)
    {
        NewEvent[] events = [];
        await BenchProgress.RunAsync("generating events", settings.Events, progress =>
        {
            events = AppendBenchEvents.Generate(settings.Events, seed: 1, progress);
            return Task.CompletedTask;
        });
        var dataBytes = events.Average(e => e.Data.Length);
        var headerBytes = events.Average(e => e.Headers?.Length ?? 0);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"events: {settings.Events:N0} (data about {dataBytes:F0} bytes of JSON, headers {headerBytes:F0}; {events.Select(e => e.StreamId).Distinct().Count():N0} streams), batch {settings.Batch}, {settings.Events / settings.Batch:N0} calls per run"));

        await CheckpointAsync(dataSource, ct);
        double ceiling = 0;
        await BenchProgress.RunAsync("COPY ceiling", events.Length, async progress =>
            ceiling = await CopyCeiling.MeasureAsync(dataSource, events, settings.Batch, ct, progress));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"COPY ceiling (binary COPY, 1 connection, same indexes): {ceiling:F0} events/s"));
        output.WriteLine("writers  events/s  ratio  batch p50 ms  batch p99 ms  transactions  bytes/event (mt_events incl. indexes)");

        var runs = new List<AppendBenchRun>();
        foreach (var writers in settings.Writers)
        {
            await ResetAsync(dataSource, ct);
            var run = await RunWritersAsync(dataSource, events, writers, settings.Batch, ceiling, ct);
            runs.Add(run);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{run.Writers,7}  {run.EventsPerSecond,8:F0}  {run.Ratio,5:F2}  {run.P50Ms,12:F1}  {run.P99Ms,12:F1}  {run.Transactions,12}  {run.BytesPerEvent,11:F0}"));
        }
        var result = new AppendBenchResult(settings.Events, ceiling, runs);
        output.WriteLine(result.SummaryLine);
        return result;
    }

    private static async Task<AppendBenchRun> RunWritersAsync(NpgsqlDataSource dataSource, NewEvent[] events, int writers, int batch,
        double ceiling, CancellationToken ct)
    {
        var options = new EventStoreOptions { MaxQueuedEvents = Math.Max(100_000, writers * batch * 2) };
        await using var store = new PostgresEventStore(dataSource, options, NullLogger<PostgresEventStore>.Instance);
        var batches = (events.Length + batch - 1) / batch;
        var latencies = new double[batches];
        var next = -1;
        var done = 0;
        var clock = Stopwatch.StartNew();
        await BenchProgress.RunAsync($"append, {writers} writer(s)", events.Length, progress =>
            Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
            {
                int b;
                while ((b = Interlocked.Increment(ref next)) < batches)
                {
                    var slice = new ArraySegment<NewEvent>(events, b * batch, Math.Min(batch, events.Length - (b * batch)));
                    var started = Stopwatch.GetTimestamp();
                    var result = await store.AppendAsync(slice, ct);
                    latencies[b] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (result.Status != AppendStatus.Committed || result.AppendedCount != slice.Count)
                        throw new InvalidOperationException($"bench batch {b}: {result.Status}, {result.AppendedCount} of {slice.Count} appended");
                    progress.Report(Interlocked.Add(ref done, slice.Count));
                }
            }, ct))));
        var rate = events.Length / clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        var bytes = await ScalarAsync<long>(dataSource, "select pg_total_relation_size('events.mt_events')", ct);
        return new AppendBenchRun(writers, rate, ceiling > 0 ? rate / ceiling : 0, Percentile(latencies, 0.50), Percentile(latencies, 0.99),
            store.Stats.Transactions, (double)bytes / events.Length);
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>Every run starts from an empty store and clean buffers, so runs do not pay for each other's work.</summary>
    private static async Task ResetAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        await using (var cmd = new NpgsqlCommand("""
            truncate events.mt_events, events.mt_streams, events.mt_high_water_skips;
            delete from events.mt_event_progression;
            alter sequence events.mt_events_sequence restart;
            """, conn))
        {
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await CheckpointAsync(dataSource, ct);
    }

    private static async Task CheckpointAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand("checkpoint", conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
