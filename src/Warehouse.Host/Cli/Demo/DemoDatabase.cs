using Npgsql;
using Warehouse.Database;

namespace Warehouse.Host.Cli.Demo;

/// <summary>
/// The demo's own database: in the embedded cluster, warehouse_demo, dropped and re-created so the summary is
/// exactly the demo's traffic; on a configured server (--db), only an empty database is accepted.
/// </summary>
internal static class DemoDatabase
{
    public static async Task<WarehouseDatabase> OpenAsync(DatabaseOptions options, CancellationToken ct)
    {
        var logger = CliLogging.Factory.CreateLogger("Warehouse.Database");
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            var configured = await WarehouseDatabase.OpenAsync(options, logger, ct);
            await EnsureEmptyAsync(configured.ConnectionString, ct);
            return configured;
        }

        options.EmbeddedDatabaseName = DemoSettings.DatabaseName;
        var database = await WarehouseDatabase.OpenAsync(options, logger, ct);
        var admin = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var conn = new NpgsqlConnection(admin);
        await conn.OpenAsync(ct);
        await using (var drop = new NpgsqlCommand($"drop database if exists {DemoSettings.DatabaseName} with (force)", conn)) await drop.ExecuteNonQueryAsync(ct);
        await using (var create = new NpgsqlCommand($"create database {DemoSettings.DatabaseName}", conn)) await create.ExecuteNonQueryAsync(ct);
        return database;
    }

    private static async Task EnsureEmptyAsync(string connectionString, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await using (var table = new NpgsqlCommand("select to_regclass('events.mt_events') is not null", conn))
            if (await table.ExecuteScalarAsync(ct) is not true) return;
        await using var cmd = new NpgsqlCommand("select exists (select 1 from events.mt_events)", conn);
        if (await cmd.ExecuteScalarAsync(ct) is true)
            throw new CliUsageException("The demo needs an empty database, and the one given by --db / WAREHOUSE_DB holds events. " +
                                        "Run the demo without --db (it uses its own embedded database), or point it at an empty database.");
    }
}
