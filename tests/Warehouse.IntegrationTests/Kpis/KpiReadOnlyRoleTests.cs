using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Warehouse.Database;
using Warehouse.Database.Migrations;

namespace Warehouse.IntegrationTests.Kpis;

public sealed class KpiReadOnlyRoleTests : KpiDatabase
{
    [Fact]
    public async Task the_dashboard_role_reads_every_kpi_view_and_function_but_cannot_refresh_or_see_tokens()
    {
        await FactAsync(1, "page_view", "2026-03-01T10:00:00Z");
        var role = $"reader_{Guid.NewGuid():N}"[..20];
        var password = Guid.NewGuid().ToString("N");
        await new Migrator(DataSource, new DatabaseOptions { ReadOnlyRole = role, ReadOnlyPassword = password }, NullLogger<Migrator>.Instance).MigrateAsync();
        var cs = new NpgsqlConnectionStringBuilder(ConnectionString) { Username = role, Password = password, Pooling = false }.ConnectionString;
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        foreach (var sql in new[]
                 {
                     "select count(*) from kpi.acquisition", "select count(*) from kpi.conversion", "select count(*) from kpi.funnel",
                     "select count(*) from kpi.retention", "select count(*) from kpi.active_users", "select count(*) from kpi.order_value",
                     "select count(*) from kpi.acquisition('2026-03-01', '2026-03-02', 'UTC', null)",
                     "select count(*) from kpi.retention('2026-03-01', '2026-03-02', 'Asia/Kathmandu', '2026-03-01T12:00Z')",
                 })
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            Assert.NotNull(await cmd.ExecuteScalarAsync());
        }
        foreach (var sql in new[] { "select warehouse.kpi_refresh(null)", "select count(*) from access.api_tokens" })
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            var e = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteScalarAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
        }
    }
}
