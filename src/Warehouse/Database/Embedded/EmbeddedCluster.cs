using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Warehouse.Database.Embedded;

/// <summary>
/// A private PostgreSQL cluster in a folder of its own (default ./.warehouse/pg), on a free loopback port.
/// The folder holds: data/ (PGDATA), credentials (the superuser password), postgres.log, cluster.lock and
/// leases/. Starting and stopping happen under an exclusive lock on cluster.lock, so two processes never
/// both run initdb or pg_ctl on the same data. Every process using the cluster holds a lease file; the
/// last one to leave stops the server, so a second `warehouse` process shares a running cluster.
/// </summary>
public sealed partial class EmbeddedCluster : IAsyncDisposable
{
    public const string SuperUser = "warehouse";
    private readonly string _root;
    private readonly ILogger _logger;
    private readonly bool _fastInit;
    private string? _leaseFile;

    public EmbeddedCluster(string dataDirectory, ILogger? logger = null, bool fastInit = false)
    {
        _root = Path.GetFullPath(dataDirectory);
        _logger = logger ?? NullLogger.Instance;
        _fastInit = fastInit;
    }

    public string DataDirectory => _root;
    private string PgData => Path.Combine(_root, "data");
    private string LogFile => Path.Combine(_root, "postgres.log");
    private string CredentialsFile => Path.Combine(_root, "credentials");
    private string LeaseDirectory => Path.Combine(_root, "leases");

    /// <summary>Connection string of the `postgres` maintenance database, valid once started.</summary>
    public string? AdminConnectionString { get; private set; }

    public int Port { get; private set; }

    /// <summary>Initialises the cluster if new, starts it unless running, and takes a lease on it.</summary>
    public async Task<string> StartAsync(CancellationToken ct = default)
    {
        var binaries = PostgresBinaries.FindOrThrow();
        Directory.CreateDirectory(_root);
        using (await ClusterLock.AcquireAsync(Path.Combine(_root, "cluster.lock"), ct))
        {
            if (!File.Exists(Path.Combine(PgData, "PG_VERSION")))
                await InitAsync(binaries, ct);

            var password = (await File.ReadAllTextAsync(CredentialsFile, ct)).Trim();
            var running = await ReadRunningPortAsync(binaries, ct);
            if (running is { } port)
            {
                LogAttached(_logger, _root, port);
            }
            else
            {
                port = await StartServerAsync(binaries, ct);
                LogStarted(_logger, _root, port);
            }

            Port = port;
            AdminConnectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = port, Username = SuperUser, Password = password, Database = "postgres",
            }.ConnectionString;
            TakeLease();
        }
        return AdminConnectionString;
    }

    /// <summary>Connection string of <paramref name="database"/>, created when missing.</summary>
    public async Task<string> EnsureDatabaseAsync(string database, CancellationToken ct = default)
    {
        if (AdminConnectionString is null) throw new InvalidOperationException("start the cluster first");
        await using (var conn = new NpgsqlConnection(AdminConnectionString))
        {
            await conn.OpenAsync(ct);
            await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", conn)
            { Parameters = { new() { Value = database } } };
            if (await exists.ExecuteScalarAsync(ct) is null)
            {
                try
                {
                    await using var create = new NpgsqlCommand($"create database \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", conn);
                    await create.ExecuteNonQueryAsync(ct);
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
                {
                    // Another process created it first: that is the outcome we wanted.
                }
            }
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;
    }

    /// <summary>Drops our lease; stops the server when no other live process holds one.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_leaseFile is null) return;
        var binaries = PostgresBinaries.Find();
        using (await ClusterLock.AcquireAsync(Path.Combine(_root, "cluster.lock"), CancellationToken.None))
        {
            File.Delete(_leaseFile);
            _leaseFile = null;
            if (LiveLeases().Count > 0 || binaries is null) return;
            var (code, output) = await ProcessRunner.RunAsync(binaries.PgCtl,
                ["stop", "-D", PgData, "-m", "fast", "-w", "-t", "60"], TimeSpan.FromSeconds(90));
            if (code == 0) LogStopped(_logger, _root);
            else _logger.LogWarning("pg_ctl stop for {DataDir} said: {Output}", _root, output.Trim());
        }
    }

    private async Task InitAsync(PostgresBinaries binaries, CancellationToken ct)
    {
        if (Directory.Exists(PgData) && Directory.EnumerateFileSystemEntries(PgData).Any())
            throw new EmbeddedPostgresException(
                $"{PgData} exists but is not a PostgreSQL data folder (no PG_VERSION). Move it away, or choose another --data-dir.");
        Directory.CreateDirectory(PgData);
        Directory.CreateDirectory(LeaseDirectory);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        await File.WriteAllTextAsync(CredentialsFile, password, ct);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(CredentialsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var pwFile = Path.Combine(_root, "initdb.pw");
        await File.WriteAllTextAsync(pwFile, password, ct);
        try
        {
            await ProcessRunner.ChownToServiceUserAsync(_root);
            if (ProcessRunner.IsRoot)
            {
                var (access, _) = await ProcessRunner.RunAsync("test", ["-w", PgData], TimeSpan.FromSeconds(10), ct);
                if (access != 0)
                    throw new EmbeddedPostgresException(
                        $"Running as root, the cluster runs as the '{ProcessRunner.ServiceUser}' OS user, which cannot reach {PgData} " +
                        "(a parent folder is not searchable by other users, as /root usually is). Use --data-dir with a folder " +
                        "under /tmp, /var/lib or /srv, or point Warehouse at an existing server with --db.");
            }
            List<string> args = ["-D", PgData, "-U", SuperUser, $"--pwfile={pwFile}", "--auth=scram-sha-256",
                "--encoding=UTF8", "--no-locale"];
            if (_fastInit) args.Add("--no-sync");
            var (code, output) = await ProcessRunner.RunAsync(binaries.InitDb, args, TimeSpan.FromMinutes(3), ct);
            if (code != 0)
                throw new EmbeddedPostgresException($"initdb failed in {PgData}:\n{output.Trim()}");
        }
        finally
        {
            File.Delete(pwFile);
        }

        // Loopback only, no Unix socket (the folder may not be writable for one), and enough connections
        // for the web host, the projection daemon and the CLI at once.
        await File.AppendAllTextAsync(Path.Combine(PgData, "postgresql.conf"),
            "\n# added by warehouse\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\nmax_connections = 300\n", ct);
        LogInitialised(_logger, PgData);
    }

    private async Task<int?> ReadRunningPortAsync(PostgresBinaries binaries, CancellationToken ct)
    {
        var (code, _) = await ProcessRunner.RunAsync(binaries.PgCtl, ["status", "-D", PgData], TimeSpan.FromSeconds(30), ct);
        if (code != 0) return null;
        // postmaster.pid: line 4 is the port (documented layout of the lock file).
        var lines = await File.ReadAllLinesAsync(Path.Combine(PgData, "postmaster.pid"), ct);
        return lines.Length > 3 && int.TryParse(lines[3].Trim(), out var port) ? port : null;
    }

    private async Task<int> StartServerAsync(PostgresBinaries binaries, CancellationToken ct)
    {
        string lastOutput = "";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreeLoopbackPort();
            var (code, output) = await ProcessRunner.RunAsync(binaries.PgCtl,
                ["start", "-D", PgData, "-l", LogFile, "-w", "-t", "120", "-o", $"-p {port}"], TimeSpan.FromMinutes(3), ct);
            if (code == 0) return port;
            lastOutput = output;
            // A port taken between our probe and the server's bind is the one failure worth another try.
            var log = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile, ct) : "";
            if (!log.Contains("could not bind", StringComparison.OrdinalIgnoreCase)) break;
        }
        var tail = File.Exists(LogFile) ? string.Join('\n', (await File.ReadAllLinesAsync(LogFile, ct)).TakeLast(15)) : "";
        throw new EmbeddedPostgresException($"PostgreSQL in {PgData} did not start:\n{lastOutput.Trim()}\n{tail}");
    }

    private void TakeLease()
    {
        Directory.CreateDirectory(LeaseDirectory);
        _leaseFile = Path.Combine(LeaseDirectory, $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        File.WriteAllText(_leaseFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Leases of processes still alive; leases of dead processes (killed, crashed) are removed.</summary>
    private List<string> LiveLeases()
    {
        var live = new List<string>();
        if (!Directory.Exists(LeaseDirectory)) return live;
        foreach (var file in Directory.GetFiles(LeaseDirectory))
        {
            var pidText = Path.GetFileName(file).Split('-')[0];
            if (int.TryParse(pidText, out var pid) && IsAlive(pid)) live.Add(file);
            else File.Delete(file);
        }
        return live;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LoggerMessage(LogLevel.Information, "Initialised a new PostgreSQL cluster in {PgData}")]
    private static partial void LogInitialised(ILogger logger, string pgData);

    [LoggerMessage(LogLevel.Information, "Started embedded PostgreSQL in {DataDir} on 127.0.0.1:{Port}")]
    private static partial void LogStarted(ILogger logger, string dataDir, int port);

    [LoggerMessage(LogLevel.Information, "Using the embedded PostgreSQL already running from {DataDir} on 127.0.0.1:{Port}")]
    private static partial void LogAttached(ILogger logger, string dataDir, int port);

    [LoggerMessage(LogLevel.Information, "Stopped embedded PostgreSQL in {DataDir}")]
    private static partial void LogStopped(ILogger logger, string dataDir);
}
