using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Warehouse.Database;
using Warehouse.Database.Migrations;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Database;

public sealed class ReadOnlyRoleTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task the_dashboard_role_reads_kpi_and_warehouse_but_cannot_read_events_or_write_anywhere()
    {
        var role = $"reader_{Guid.NewGuid():N}"[..20];
        var password = Guid.NewGuid().ToString("N");
        await OwnerExecAsync("create table if not exists events.probe_event (x int); insert into events.probe_event values (1);");
        await new Migrator(db.DataSource, new DatabaseOptions { ReadOnlyRole = role, ReadOnlyPassword = password },
            NullLogger<Migrator>.Instance).MigrateAsync();
        // Created after the migrate: default privileges must cover tables a rebuild creates later.
        await OwnerExecAsync("""
            create table warehouse.probe_table (x int); insert into warehouse.probe_table values (1);
            create view kpi.probe_view as select 1 as x;
            """);

        var reader = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = role, Password = password, Pooling = false }.ConnectionString;
        await using var conn = new NpgsqlConnection(reader);
        await conn.OpenAsync();

        Assert.Equal(1, await ScalarAsync(conn, "select x from warehouse.probe_table"));
        Assert.Equal(1, await ScalarAsync(conn, "select x from kpi.probe_view"));

        await AssertDeniedAsync(conn, "select x from events.probe_event");
        await AssertDeniedAsync(conn, "select count(*) from public.warehouse_migrations");
        await AssertDeniedAsync(conn, "insert into warehouse.probe_table values (2)");
        await AssertDeniedAsync(conn, "update warehouse.probe_table set x = 3");
        await AssertDeniedAsync(conn, "delete from warehouse.probe_table");
        await AssertDeniedAsync(conn, "create table warehouse.mine (x int)");
        await AssertDeniedAsync(conn, "create table public.mine (x int)");
        await AssertDeniedAsync(conn, "create table kpi.mine (x int)");
        await AssertDeniedAsync(conn, "create temp table mine (x int)");
    }

    [Fact]
    public async Task without_a_configured_password_the_role_exists_but_cannot_log_in()
    {
        var role = $"reader_{Guid.NewGuid():N}"[..20];
        await new Migrator(db.DataSource, new DatabaseOptions { ReadOnlyRole = role }, NullLogger<Migrator>.Instance).MigrateAsync();
        var cs = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = role, Password = "anything", Pooling = false }.ConnectionString;
        await using var conn = new NpgsqlConnection(cs);
        var error = await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync());
        Assert.Contains(error.SqlState, new[] { PostgresErrorCodes.InvalidPassword, PostgresErrorCodes.InvalidAuthorizationSpecification });
    }

    private async Task OwnerExecAsync(string sql)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<int> ScalarAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (int)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task AssertDeniedAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        var error = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }
}
