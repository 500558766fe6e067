using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Spectre.Console;
using Warehouse.Database;
using Warehouse.Database.Migrations;
using Warehouse.Kpis;

namespace Warehouse.Host.Cli.Bench;

/// <summary>
/// `warehouse bench kpi`: generates interactions set-based into a scratch database on the same server, builds
/// the pre-aggregates, then times every KPI for a 90-day range (pre-aggregated path, best of 5) against the same
/// KPI computed from fct_interactions (the as-of path, run once: it takes seconds to minutes), checks the answers are identical
/// and prints each time and the speed-up. Last line: `kpi: slowest &lt;name&gt; &lt;ms&gt; ms at &lt;N&gt; interactions`.
/// </summary>
public static class KpiBench
{
    public static Command Build()
    {
        var interactions = new Option<long>("--interactions") { Description = "Facts to generate.", DefaultValueFactory = _ => 10_000_000 };
        var users = new Option<long>("--users") { Description = "Users they belong to.", DefaultValueFactory = _ => 1_000_000 };
        var keep = new Option<bool>("--keep") { Description = "Keep the scratch database afterwards (default: drop it)." };
        var command = new Command("kpi", "Time every KPI for a 90-day range, pre-aggregated vs computed from fct_interactions, " +
                                         "on generated data in a scratch database.") { interactions, users, keep };
        command.WithDatabaseOptions();
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(interactions);
            var u = parse.GetValue(users);
            if (n < 1000 || u < 10 || u > n) throw new CliUsageException("Need --interactions >= 1000 and 10 <= --users <= --interactions.");
            await using var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
            return await RunAsync(database.ConnectionString, n, u, parse.GetValue(keep), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(string connectionString, long interactions, long users, bool keep, CancellationToken ct)
    {
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        var scratchName = $"{admin.Database ?? "warehouse"}_bench_kpi";
        await ExecAsync(admin.ConnectionString, $"drop database if exists \"{scratchName}\" with (force)", ct);
        await ExecAsync(admin.ConnectionString, $"create database \"{scratchName}\"", ct);
        var scratch = new NpgsqlConnectionStringBuilder(connectionString) { Database = scratchName }.ConnectionString;
        try
        {
            await using var dataSource = WarehouseDataSource.Create(scratch, "warehouse-bench-kpi");
            await new Migrator(dataSource, new DatabaseOptions(), CliLogging.Factory.CreateLogger<Migrator>()).MigrateAsync(ct);
            await using var conn = await dataSource.OpenConnectionAsync(ct);

            // Session memory for the set-based generation, rebuild and from-facts queries (sorts of millions of rows);
            // the pre-aggregated path needs none of it.
            await ExecAsync(conn, "set work_mem = '256MB'; set maintenance_work_mem = '512MB'", ct);
            var generate = await Step($"generating {Size(interactions)} interactions for {Size(users)} users (set-based)",
                () => ExecAsync(conn, KpiBenchData.GenerateSql, ct, ("n", interactions), ("u", users)));
            var preaggregate = await Step("building the KPI pre-aggregates (full rebuild)",
                () => KpiPreaggregates.RebuildAsync(conn, ct));
            await ExecAsync(conn, "vacuum analyze", ct);

            DateOnly to;
            await using (var last = new NpgsqlCommand("select (max(occurred_at) at time zone 'UTC')::date from warehouse.fct_interactions", conn))
                to = (DateOnly)(await last.ExecuteScalarAsync(ct))!;
            var from = to.AddDays(-89);
            Console.WriteLine($"generated in {generate:N0} ms, pre-aggregated in {preaggregate:N0} ms; range {from:yyyy-MM-dd}..{to:yyyy-MM-dd} (UTC)");

            var table = new Table().AddColumns("kpi", "pre-aggregated ms", "from facts ms", "speed-up", "rows", "identical");
            var results = new List<(string Name, double Ms)>();
            var allIdentical = true;
            foreach (var kpi in KpiCatalog.All)
            {
                var request = new KpiRequest(kpi.Name, from, to, "UTC");
                var (fast, fastMs) = await TimeAsync(() => KpiQuery.RunAsync(conn, request, false, ct, 0), 5);
                var (slow, slowMs) = await TimeAsync(() => KpiQuery.RunAsync(conn, request, true, ct, 0), 1);
                var identical = Same(fast, slow);
                allIdentical &= identical;
                results.Add((kpi.Name, fastMs));
                table.AddRow(kpi.Name, fastMs.ToString("N1", CultureInfo.InvariantCulture), slowMs.ToString("N0", CultureInfo.InvariantCulture),
                    (slowMs / fastMs).ToString("N0", CultureInfo.InvariantCulture) + "x", fast.Rows.Count.ToString(CultureInfo.InvariantCulture),
                    identical ? "yes" : "NO");
                Console.Error.WriteLine($"bench kpi: {kpi.Name} {fastMs:N1} ms pre-aggregated, {slowMs:N0} ms from facts, identical={identical}");
            }
            AnsiConsole.Write(table);
            var slowest = results.MaxBy(r => r.Ms);
            if (!allIdentical) Console.WriteLine("kpi: ANSWERS DIFFER between pre-aggregated and from-facts paths");
            Console.WriteLine($"kpi: slowest {slowest.Name} {slowest.Ms.ToString("N0", CultureInfo.InvariantCulture)} ms at {Size(interactions)} interactions");
            return allIdentical ? 0 : 1;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            if (!keep) await ExecAsync(admin.ConnectionString, $"drop database if exists \"{scratchName}\" with (force)", CancellationToken.None);
        }
    }

    private static bool Same(KpiResult a, KpiResult b) =>
        a.Columns.SequenceEqual(b.Columns) && a.Rows.Count == b.Rows.Count &&
        a.Rows.Zip(b.Rows).All(p => p.First.Select(KpiCsv.FormatValue).SequenceEqual(p.Second.Select(KpiCsv.FormatValue)));

    private static async Task<(KpiResult Result, double BestMs)> TimeAsync(Func<Task<KpiResult>> run, int times)
    {
        KpiResult? result = null;
        var best = double.MaxValue;
        for (var i = 0; i < times; i++)
        {
            var sw = Stopwatch.StartNew();
            result = await run();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        return (result!, best);
    }

    private static async Task<double> Step(string what, Func<Task> action)
    {
        Console.Error.WriteLine($"bench kpi: {what}...");
        var sw = Stopwatch.StartNew();
        await action();
        Console.Error.WriteLine($"bench kpi: {what}: {sw.Elapsed.TotalSeconds:N1} s");
        return sw.Elapsed.TotalMilliseconds;
    }

    internal static string Size(long n) => n switch
    {
        >= 1_000_000 when n % 1_000_000 == 0 => $"{n / 1_000_000}M",
        >= 1_000 when n % 1_000 == 0 => $"{n / 1_000}k",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };

    private static async Task ExecAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await ExecAsync(conn, sql, ct);
    }

    private static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct, params (string Name, long Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
