using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Warehouse.Database;
using Warehouse.Database.Migrations;
using Warehouse.EventStore;
using Warehouse.Projections;
using Warehouse.Projections.Daemon;
using Warehouse.Projections.Rebuild;

namespace Warehouse.Host.Cli.Bench;

/// <summary>
/// `warehouse bench project`: in a scratch database on the same server, generates a store of random tracker
/// traffic, then measures (1) a full rebuild in events/s, (2) the ceiling: one INSERT … SELECT of the same facts
/// (into a bare unlogged table; and, for comparison, into a logged one with the fact table's indexes)
/// with no identity stitching, dedupe or dimensions, (3) freshness: commit → fact row, p50/p99, with the daemon
/// running while events are appended at half the rate the store accepted them during generation.
/// </summary>
internal static class ProjectBench
{
    private static readonly Option<int> Events = new("--events") { Description = "Events in the generated store.", DefaultValueFactory = _ => 1_000_000 };
    private static readonly Option<int> FreshnessSeconds = new("--freshness-seconds") { Description = "How long to measure freshness.", DefaultValueFactory = _ => 20 };
    private static readonly Option<double> FreshnessRate = new("--freshness-rate") { Description = "Events/s appended while freshness is measured (default: half the rate the store sustained while the traffic was generated)." };
    private static readonly Option<bool> Keep = new("--keep") { Description = "Keep the scratch database afterwards (its name is printed), to study the generated store in psql." };

    public static Command Build()
    {
        var command = new Command("project", "Rebuild events/s vs a single INSERT … SELECT ceiling, and freshness (commit → fact) at half load.")
        { Events, FreshnessSeconds, FreshnessRate, Keep };
        command.WithDatabaseOptions();
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        await using var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
        var result = await MeasureAsync(database.ConnectionString, parse.GetValue(Events),
            TimeSpan.FromSeconds(parse.GetValue(FreshnessSeconds)), parse.GetValue(Keep), ct, parse.GetValue(FreshnessRate));
        Console.WriteLine(result.Summary);
        return 0;
    }

    internal sealed record Result(double RebuildEventsPerSecond, double CeilingEventsPerSecond, double FreshnessP50, double FreshnessP99, long Facts)
    {
        public string Summary => string.Create(CultureInfo.InvariantCulture,
            $"project: {RebuildEventsPerSecond:0} events/s rebuild, freshness p99 {FreshnessP99:0} ms");
    }

    /// <summary>The whole measurement in a scratch database of the server behind <paramref name="connectionString"/>.</summary>
    internal static async Task<Result> MeasureAsync(string connectionString, int total, TimeSpan freshness, bool keep, CancellationToken ct,
        double freshnessRate = 0)
    {
        var scratch = await CreateScratchDatabaseAsync(connectionString, ct);
        try
        {
            await using var ds = WarehouseDataSource.Create(scratch, "warehouse-bench-project");
            await new Migrator(ds, new DatabaseOptions(), NullLogger<Migrator>.Instance).MigrateAsync(ct);
            var store = new PostgresEventStore(ds);

            var appendRate = await GenerateAsync(store, total, ct);
            var count = await ScalarAsync(ds, "select count(*) from events.mt_events", ct);
            Say($"store: {count} events, appended at {appendRate:0} events/s");
            // A store is rebuilt at rest: its rows long vacuumed (hint bits set, visibility map current). A store
            // generated a second ago is not, and its first reader would pay for setting a million hint bits while
            // autovacuum starts on it beside the rebuild. So settle it first; the ceiling below reads it settled too.
            await using (var settle = ds.CreateCommand("vacuum (analyze) events.mt_events, events.mt_streams"))
            {
                settle.CommandTimeout = 0;
                await settle.ExecuteNonQueryAsync(ct);
            }

            var rebuild = new ProjectionRebuild(ds, store, [], new ProjectionOptions(), "warehouse_reader", NullLoggerFactory.Instance);
            var report = await ProjectionsCommand.RunWithProgressAsync(rebuild, ct);
            var facts = await ScalarAsync(ds, "select count(*) from warehouse.fct_interactions", ct);
            Say($"rebuild: {report.Events} events → {facts} facts in {report.ReplaySeconds:0.0} s on {report.Workers} connection(s): " +
                $"{report.EventsPerSecond:0} events/s ({report.TotalSeconds:0.0} s with indexes and swap)");

            var ceiling = await InsertSelectCeilingAsync(ds, count, durable: false, ct);
            Say($"ceiling: one INSERT … SELECT of the same facts into an unlogged table without indexes: {ceiling:0} events/s; " +
                $"rebuild = {report.EventsPerSecond / ceiling:0.00} of it");
            var durableCeiling = await InsertSelectCeilingAsync(ds, count, durable: true, ct);
            Say($"for comparison, the same INSERT … SELECT into a logged table with fct_interactions' indexes: {durableCeiling:0} events/s");

            var rate = freshnessRate > 0 ? freshnessRate : appendRate / 2;
            var (p50, p99, samples) = await FreshnessAsync(ds, store, rate, freshness, ct);
            Say($"freshness at {rate:0} events/s: p50 {p50:0} ms, p99 {p99:0} ms over {samples} batches");
            return new Result(report.EventsPerSecond, ceiling, p50, p99, facts);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            if (keep) Say($"kept the scratch database {ScratchName}");
            else await DropScratchAsync(connectionString, CancellationToken.None);
        }
    }

    private static readonly string ScratchName = $"warehouse_bench_project_{Environment.ProcessId}";

    private static async Task<string> CreateScratchDatabaseAsync(string connectionString, CancellationToken ct)
    {
        await DropScratchAsync(connectionString, ct);
        await using (var conn = new NpgsqlConnection(connectionString))
        {
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand($"create database {ScratchName}", conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        return new NpgsqlConnectionStringBuilder(connectionString) { Database = ScratchName }.ConnectionString;
    }

    private static async Task DropScratchAsync(string connectionString, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand($"drop database if exists {ScratchName} with (force)", conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <returns>Append rate (events/s) the store sustained while the traffic was written.</returns>
    private static async Task<double> GenerateAsync(PostgresEventStore store, int total, CancellationToken ct)
    {
        var appending = new Stopwatch(); // only the appends count, not building the JSON
        long appended = 0;
        var chunk = 0;
        var lastReport = Stopwatch.StartNew();
        while (appended < total)
        {
            var events = ProjectTraffic.Generate(persons: 500, seed: chunk++, start: new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero));
            for (var i = 0; i < events.Count && appended < total; i += 5_000)
            {
                var slice = events.Skip(i).Take((int)Math.Min(5_000, total - appended)).ToList();
                appending.Start();
                await store.AppendAsync(slice, ct);
                appending.Stop();
                appended += slice.Count;
            }
            if (lastReport.Elapsed > TimeSpan.FromSeconds(5))
            {
                Say($"generating: {appended}/{total} events");
                lastReport.Restart();
            }
        }
        return appended / appending.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The ceiling the issue compares a rebuild with (184k events/s there): one INSERT … SELECT turning every event
    /// into its fact rows, with none of the projection's work (identities, merges, first touch, products, order
    /// dedupe, users). Into an unlogged table without indexes, as the figure was measured (durable = false);
    /// durable = true writes a logged copy of fct_interactions with its indexes, for comparison. The rebuild
    /// writes unlogged copies and builds the reporting indexes after the replay, so the bare ceiling is the fair one.
    /// </summary>
    private static async Task<double> InsertSelectCeilingAsync(NpgsqlDataSource ds, long events, bool durable, CancellationToken ct)
    {
        await using var conn = await ds.OpenConnectionAsync(ct);
        // jit off as in the rebuild's session (compiling costs more than it saves on these statements)
        await using (var setup = new NpgsqlCommand("set jit = off; drop table if exists public.bench_project_ceiling; " + (durable
            ? "create table public.bench_project_ceiling (like warehouse.fct_interactions including all)"
            : "create unlogged table public.bench_project_ceiling (like warehouse.fct_interactions including defaults)"), conn))
            await setup.ExecuteNonQueryAsync(ct);
        var watch = Stopwatch.StartNew();
        await using (var insert = new NpgsqlCommand("""
            insert into public.bench_project_ceiling (interaction_id, user_key, product_key, category, subcategory, occurred_at, received_at,
                order_id, quantity, revenue, currency, source, utm_source, utm_medium, utm_campaign, event_seq)
            select e.id::text || coalesce(':' || x.n, ''),
                   warehouse.wh_key(coalesce(e.data ->> 'userId', e.data ->> 'anonymousId')),
                   coalesce(warehouse.wh_key('product:' || (coalesce(x.p, e.data -> 'properties') ->> 'product_id')), 0),
                   case when e.type = 'page' then 'page_view' when e.type = 'screen' then 'screen_view' else lower(e.data ->> 'event') end,
                   e.data ->> 'event', (e.data ->> 'timestamp')::timestamptz, e.timestamp,
                   e.data -> 'properties' ->> 'order_id', (coalesce(x.p, e.data -> 'properties') ->> 'quantity')::numeric::int,
                   (e.data -> 'properties' ->> 'revenue')::numeric, e.data -> 'properties' ->> 'currency', e.headers ->> 'source',
                   lower(trim(e.data -> 'context' -> 'campaign' ->> 'source')), lower(trim(e.data -> 'context' -> 'campaign' ->> 'medium')),
                   lower(trim(e.data -> 'context' -> 'campaign' ->> 'name')), e.seq_id
            from events.mt_events e
            left join lateral jsonb_array_elements(case when jsonb_typeof(e.data -> 'properties' -> 'products') = 'array'
                                                   then e.data -> 'properties' -> 'products' end) with ordinality x(p, n) on true
            where e.type in ('track', 'page', 'screen')
            """, conn) { CommandTimeout = 0 })
            await insert.ExecuteNonQueryAsync(ct);
        var rate = events / watch.Elapsed.TotalSeconds;
        await using (var drop = new NpgsqlCommand("drop table public.bench_project_ceiling", conn))
            await drop.ExecuteNonQueryAsync(ct);
        return rate;
    }

    private static async Task<(double P50, double P99, int Samples)> FreshnessAsync(NpgsqlDataSource ds, PostgresEventStore store,
        double rate, TimeSpan duration, CancellationToken ct)
    {
        var daemon = new ProjectionDaemon(ds, store, new BatchProjector(ds, [], NullLogger<BatchProjector>.Instance),
            new ProjectionOptions(), NullLogger<ProjectionDaemon>.Instance);
        await daemon.StartAsync(ct);
        await new ProjectionStatus(ds, store).WaitForCatchUpAsync(TimeSpan.FromMinutes(5), ct);

        const int batch = 50;
        var interval = TimeSpan.FromSeconds(batch / Math.Max(rate, batch));
        var pending = new System.Collections.Concurrent.ConcurrentQueue<(long Seq, long CommittedTicks)>();
        var latencies = new List<double>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watcher = Task.Run(async () =>
        {
            await using var conn = await ds.OpenConnectionAsync(ct);
            await using var cmd = new NpgsqlCommand("select last_seq from warehouse.projection_checkpoints where name = 'star_schema'", conn);
            var drain = Stopwatch.StartNew();
            while (!stop.IsCancellationRequested || (!pending.IsEmpty && drain.Elapsed < TimeSpan.FromSeconds(30)))
            {
                if (!stop.IsCancellationRequested) drain.Restart();
                var checkpoint = (long)(await cmd.ExecuteScalarAsync(ct))!;
                var now = Stopwatch.GetTimestamp();
                while (pending.TryPeek(out var p) && p.Seq <= checkpoint)
                {
                    pending.TryDequeue(out _);
                    latencies.Add(Stopwatch.GetElapsedTime(p.CommittedTicks, now).TotalMilliseconds);
                }
                await Task.Delay(2, CancellationToken.None);
            }
        }, CancellationToken.None);

        var seed = 1_000_000;
        var traffic = new Queue<NewEvent>();
        var clock = Stopwatch.StartNew();
        var next = TimeSpan.Zero;
        while (clock.Elapsed < duration)
        {
            if (traffic.Count < batch)
                foreach (var e in ProjectTraffic.Generate(persons: 50, seed: seed++, start: DateTimeOffset.UtcNow.AddDays(-30))) traffic.Enqueue(e);
            var slice = Enumerable.Range(0, batch).Select(_ => traffic.Dequeue()).ToList();
            var result = await store.AppendAsync(slice, ct);
            pending.Enqueue((result.Events.Max(e => e.Sequence), Stopwatch.GetTimestamp()));
            next += interval;
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
        }
        await stop.CancelAsync();
        await watcher;
        await daemon.StopAsync(CancellationToken.None);
        Say($"the daemon committed {daemon.BatchesCommitted} batches in {clock.Elapsed.TotalSeconds:0} s");
        daemon.Dispose();
        latencies.Sort();
        double At(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        return (At(0.50), At(0.99), latencies.Count);
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource ds, string sql, CancellationToken ct)
    {
        await using var conn = await ds.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static void Say(string line) => Console.Error.WriteLine("bench project: " + line);
}
