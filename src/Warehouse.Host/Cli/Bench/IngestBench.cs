using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Warehouse.Database;
using Warehouse.Database.Migrations;
using Warehouse.EventStore;
using Warehouse.Ingestion;

namespace Warehouse.Host.Cli.Bench;

/// <summary>
/// `warehouse bench ingest`: HTTP → durable event store throughput. Starts `warehouse serve` as a child process
/// on a scratch database (so its peak RSS is the server's alone), loads it over loopback with concurrent clients
/// posting Segment batches for a fixed time, then measures the COPY ceiling on the same server.
/// </summary>
public static class IngestBench
{
    public static Command Build()
    {
        var url = new Option<string?>("--url") { Description = "Load an already running server instead of starting one (needs --write-key)." };
        var writeKey = new Option<string?>("--write-key") { Description = "Write key for --url." };
        var duration = new Option<int>("--duration") { Description = "Seconds of load.", DefaultValueFactory = _ => 20 };
        var clients = new Option<int>("--clients") { Description = "Concurrent HTTP clients.", DefaultValueFactory = _ => 16 };
        var batch = new Option<int>("--batch-size") { Description = "Events per request.", DefaultValueFactory = _ => 100 };
        var warmup = new Option<int>("--warmup")
        {
            Description = "Seconds of unmeasured load first, so both processes run jitted, optimised code when measuring (0 = none).",
            DefaultValueFactory = _ => DefaultWarmupSeconds,
        };
        var command = new Command("ingest", "HTTP ingestion → committed events/s, request latency, server peak RSS, and the ratio to the COPY ceiling.")
        { url, writeKey, duration, clients, batch, warmup };
        command.WithDatabaseOptions();
        command.SetAction(async (parse, ct) =>
        {
            var settings = new Settings(parse.GetValue(url), parse.GetValue(writeKey), TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(duration))),
                Math.Max(1, parse.GetValue(clients)), Math.Clamp(parse.GetValue(batch), 1, 2000), TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(warmup))));
            if (settings.Url is not null)
            {
                if (settings.WriteKey is null) throw new CliUsageException("--url needs --write-key (create one with `warehouse sources add bench`).");
                await WarmUpAsync(new Uri(settings.Url), settings.WriteKey, settings, ct);
                var result = await LoadAsync(new Uri(settings.Url), settings.WriteKey, settings, ct);
                Report(result, null, null, null, settings);
                return 0;
            }
            return await RunWithOwnServerAsync(parse, settings, ct);
        });
        return command;
    }

    /// <summary>
    /// A freshly started server (and this client) spend their first seconds under load in the JIT: tier-0 code, then
    /// instrumented code, then the optimised rewrite of every hot method, on the same two cores the load needs. On
    /// the 2-core development machine a perf profile still showed the server's JIT thread using half of the
    /// server's CPU 7-15 s into the load, so the old 2 s warm-up measured start-up, not throughput.
    /// </summary>
    private const int DefaultWarmupSeconds = 15;

    private sealed record Settings(string? Url, string? WriteKey, TimeSpan Duration, int Clients, int BatchSize, TimeSpan Warmup);

    private static async Task WarmUpAsync(Uri baseUri, string key, Settings settings, CancellationToken ct)
    {
        if (settings.Warmup <= TimeSpan.Zero) return;
        Console.Error.WriteLine($"warming up {settings.Warmup.TotalSeconds:0} s (not measured)");
        await new IngestLoad(baseUri, key, settings.Clients, settings.BatchSize).RunAsync(settings.Warmup, null, ct);
    }

    private static async Task<int> RunWithOwnServerAsync(ParseResult parse, Settings settings, CancellationToken ct)
    {
        await using var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
        var (benchCs, dropName) = await ScratchDatabaseAsync(database.ConnectionString, ct);
        try
        {
            await using var dataSource = WarehouseDataSource.Create(benchCs, "warehouse-bench");
            await new Migrator(dataSource, new DatabaseOptions(), CliLogging.Factory.CreateLogger<Migrator>()).MigrateAsync(ct);
            var key = await SourceRegistry.CreateAsync(dataSource, "bench-" + Guid.NewGuid().ToString("N")[..8], ct);

            var port = FreePort();
            using var server = StartServer(benchCs, port);
            long peakRss;
            IngestLoadResult result;
            TimeSpan? serverCpu;
            try
            {
                var baseUri = new Uri($"http://127.0.0.1:{port}");
                await WaitHealthyAsync(baseUri, server, ct);
                Console.Error.WriteLine($"server pid {server.Id} on {baseUri}");
                await WarmUpAsync(baseUri, key, settings, ct);
                var cpuBefore = CpuTime(server.Id);
                result = await LoadAsync(baseUri, key, settings, ct);
                serverCpu = CpuTime(server.Id) - cpuBefore;
                peakRss = PeakRssBytes(server.Id);
            }
            finally
            {
                if (!server.HasExited) server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync(CancellationToken.None);
            }

            var stored = await CountAsync(dataSource, ct);
            Console.Error.WriteLine($"measuring the COPY ceiling on the same server ({Math.Min(stored, 200_000):N0} events, 1,000 per COPY)");
            var sample = await SampleAsync(dataSource, 200_000, ct);
            var ceiling = await CopyCeiling.MeasureAsync(dataSource, sample, 1000, ct);
            Report(result, peakRss, ceiling, stored, settings, serverCpu);
            return 0;
        }
        finally
        {
            if (dropName is not null)
            {
                NpgsqlConnection.ClearAllPools();
                await using var admin = new NpgsqlConnection(database.ConnectionString);
                await admin.OpenAsync(CancellationToken.None);
                await using var drop = new NpgsqlCommand($"drop database if exists {dropName} with (force)", admin);
                await drop.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
    }

    private static async Task<IngestLoadResult> LoadAsync(Uri baseUri, string key, Settings settings, CancellationToken ct)
    {
        var load = new IngestLoad(baseUri, key, settings.Clients, settings.BatchSize);
        Console.Error.WriteLine($"loading {baseUri} for {settings.Duration.TotalSeconds:0} s: {settings.Clients} clients, {settings.BatchSize} events per request");
        var lastPrint = Stopwatch.StartNew();
        return await load.RunAsync(settings.Duration, accepted =>
        {
            if (lastPrint.Elapsed < TimeSpan.FromSeconds(5)) return;
            lock (lastPrint)
            {
                if (lastPrint.Elapsed < TimeSpan.FromSeconds(5)) return;
                lastPrint.Restart();
                Console.Error.WriteLine($"  {accepted:N0} events committed so far");
            }
        }, ct);
    }

    private static void Report(IngestLoadResult r, long? peakRss, double? ceiling, long? stored, Settings settings, TimeSpan? serverCpu = null)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"requests:        {r.Requests:N0} in {r.Elapsed.TotalSeconds:0.0} s ({r.Requests / r.Elapsed.TotalSeconds:N0} req/s), {settings.Clients} clients x {settings.BatchSize} events"));
        Console.WriteLine("statuses:        " + string.Join(", ", r.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value:N0}")));
        Console.WriteLine(string.Create(inv, $"committed:       {r.Accepted:N0} events ({r.Duplicates:N0} duplicates, {r.Failed:N0} failed requests)"));
        if (stored is not null) Console.WriteLine(string.Create(inv, $"in mt_events:    {stored:N0} (warm-up included)"));
        Console.WriteLine(string.Create(inv, $"latency:         p50 {r.P50Ms:0.0} ms, p99 {r.P99Ms:0.0} ms"));
        Console.WriteLine(peakRss is null ? "server peak RSS: n/a (external server)" : string.Create(inv, $"server peak RSS: {peakRss / 1024.0 / 1024.0:0} MB"));
        // Less sensitive to a shared machine than events/s (though not immune: a busy machine makes every process spin
        // and switch more): compare code changes by this too.
        if (serverCpu is { } cpu && r.Accepted > 0)
            Console.WriteLine(string.Create(inv, $"server CPU:      {cpu.TotalMilliseconds * 1000 / r.Accepted:0.0} µs per committed event ({cpu.TotalSeconds / r.Elapsed.TotalSeconds:0.00} cores)"));
        if (ceiling is null)
        {
            Console.WriteLine(string.Create(inv, $"ingest: {r.EventsPerSecond:0} events/s, n/a of COPY ceiling"));
            return;
        }
        Console.WriteLine(string.Create(inv, $"COPY ceiling:    {ceiling:0} events/s"));
        Console.WriteLine(string.Create(inv, $"ingest: {r.EventsPerSecond:0} events/s, {r.EventsPerSecond / ceiling:0.00} of COPY ceiling"));
    }

    /// <summary>A fresh database beside the configured one, so a benchmark never fills the real event store.</summary>
    private static async Task<(string ConnectionString, string? DropName)> ScratchDatabaseAsync(string connectionString, CancellationToken ct)
    {
        var name = $"warehouse_bench_{Environment.ProcessId}";
        try
        {
            await using var admin = new NpgsqlConnection(connectionString);
            await admin.OpenAsync(ct);
            await using var create = new NpgsqlCommand($"create database {name}", admin);
            await create.ExecuteNonQueryAsync(ct);
            return (new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString, name);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            Console.Error.WriteLine("note: this role may not create databases; the benchmark writes into the configured database itself.");
            return (connectionString, null);
        }
    }

    private static Process StartServer(string connectionString, int port)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find the warehouse executable");
        var psi = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(IngestBench).Assembly.Location);
        foreach (var a in new[] { "serve", "--urls", $"http://127.0.0.1:{port}", "--db", connectionString, "--no-daemon" }) psi.ArgumentList.Add(a);
        psi.Environment["WAREHOUSE__Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the server");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitHealthyAsync(Uri baseUri, Process server, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (server.HasExited) throw new CliUsageException($"the benchmark server exited with code {server.ExitCode} before it was ready");
            try
            {
                using var response = await http.GetAsync("/health", ct);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // slow start
            }
            await Task.Delay(200, ct);
        }
        throw new CliUsageException("the benchmark server did not become healthy within 120 s");
    }

    /// <summary>User + system CPU time of a process so far (Linux /proc; null elsewhere).</summary>
    private static TimeSpan? CpuTime(int pid)
    {
        var path = $"/proc/{pid}/stat";
        if (!File.Exists(path)) return null;
        var stat = File.ReadAllText(path);
        // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is the
        // 14th field of the line, stime the 15th, in clock ticks (100 per second on Linux).
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>VmHWM: the peak resident set of the process since it started (Linux).</summary>
    private static long PeakRssBytes(int pid)
    {
        var path = $"/proc/{pid}/status";
        if (!File.Exists(path)) return -1;
        foreach (var line in File.ReadLines(path))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return -1;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select count(*) from events.mt_events");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The events the run stored, as the COPY input: the ceiling is measured on exactly this kind of row.</summary>
    private static async Task<IReadOnlyList<NewEvent>> SampleAsync(NpgsqlDataSource dataSource, int max, CancellationToken ct)
    {
        var list = new List<NewEvent>();
        await using var cmd = dataSource.CreateCommand("select id, stream_id, type, data::text, headers::text, timestamp from events.mt_events order by seq_id limit $1");
        cmd.Parameters.Add(new() { Value = max });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(new NewEvent(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
        return list;
    }
}
