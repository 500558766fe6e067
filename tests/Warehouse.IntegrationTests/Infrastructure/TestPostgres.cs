using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Warehouse.Database;
using Warehouse.Database.Embedded;
using Warehouse.Database.Migrations;

namespace Warehouse.IntegrationTests.Infrastructure;

/// <summary>
/// The PostgreSQL server of this test run: WAREHOUSE_TEST_DB when set, otherwise one throwaway cluster
/// started once (same binary discovery as the product) and stopped when the test process exits. It holds a
/// migrated template database; each test class clones it (<see cref="DatabaseFixture"/>). No PostgreSQL:
/// every test that needs it fails with the install hint. Nothing here ever skips.
/// </summary>
public static class TestPostgres
{
    public const string EnvironmentVariable = "WAREHOUSE_TEST_DB";
    private static readonly string RunId = $"{Environment.ProcessId}_{Guid.NewGuid().ToString("N")[..8]}";
    private static readonly Lazy<Task<Server>> Instance = new(StartAsync);

    public sealed record Server(string AdminConnectionString, string TemplateDatabase);

    public static Task<Server> GetAsync() => Instance.Value;

    /// <summary>The root of this run's throwaway clusters; stale ones from killed runs are removed on start.</summary>
    public static string ScratchRoot { get; } = Path.Combine(Path.GetTempPath(), "warehouse-tests");

    private static async Task<Server> StartAsync()
    {
        string admin;
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            admin = external;
        }
        else
        {
            if (PostgresBinaries.Find() is null)
                throw new InvalidOperationException(
                    $"The integration tests need PostgreSQL. {PostgresBinaries.InstallHint} (For the tests, set {EnvironmentVariable} instead of --db.)");
            await StaleClusters.RemoveAsync(ScratchRoot);
            var cluster = new EmbeddedCluster(Path.Combine(ScratchRoot, $"run_{RunId}"), fastInit: true);
            admin = await cluster.StartAsync();
            _cluster = cluster;
            ClusterWatchdog.Start(cluster.DataDirectory);
        }

        admin = new NpgsqlConnectionStringBuilder(admin) { Pooling = false }.ConnectionString;
        var template = $"wh_template_{RunId}";
        await ExecuteAsync(admin, $"create database {template}");
        var templateCs = new NpgsqlConnectionStringBuilder(admin) { Database = template, Pooling = false }.ConnectionString;
        await using (var ds = WarehouseDataSource.Create(templateCs))
        {
            await new Migrator(ds, new DatabaseOptions(), NullLogger<Migrator>.Instance).MigrateAsync();
        }
        if (!string.IsNullOrWhiteSpace(external)) _externalTemplate = (admin, template);
        return new Server(admin, template);
    }

    private static EmbeddedCluster? _cluster;
    private static (string Admin, string Template)? _externalTemplate;

    /// <summary>Stops the run's cluster and deletes its folder (or drops the template on an external server).</summary>
    public static async Task ShutdownAsync()
    {
        var cluster = Interlocked.Exchange(ref _cluster, null);
        if (cluster is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await cluster.DisposeAsync();
            try { Directory.Delete(cluster.DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        if (_externalTemplate is { } t)
        {
            _externalTemplate = null;
            await ExecuteAsync(t.Admin, $"drop database if exists {t.Template} with (force)");
        }
    }

    /// <summary>A new empty database (not from the template) for tests of migrations themselves.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync(string name)
    {
        var server = await GetAsync();
        await ExecuteAsync(server.AdminConnectionString, $"create database {name}");
        return new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>A fresh, migrated database cloned from the template.</summary>
    public static async Task<string> CreateMigratedDatabaseAsync(string name)
    {
        var server = await GetAsync();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await ExecuteAsync(server.AdminConnectionString, $"create database {name} template {server.TemplateDatabase}");
                break;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 50)
            {
                await Task.Delay(100); // another class is cloning the template at this instant
            }
        }
        return new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string name)
    {
        var server = await GetAsync();
        await ExecuteAsync(server.AdminConnectionString, $"drop database if exists {name} with (force)");
    }

    public static string NewDatabaseName(string prefix = "wt") => $"{prefix}_{Guid.NewGuid():N}";

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
