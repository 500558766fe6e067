using Npgsql;
using Warehouse.Database.Migrations;

namespace Warehouse.Health;

/// <summary>PostgreSQL answers, and every embedded migration is applied unchanged.</summary>
public sealed class DatabaseHealth(NpgsqlDataSource dataSource, Migrator migrator) : IHealthContributor
{
    public string Name => "database";

    public async Task<HealthSection> CheckAsync(CancellationToken ct)
    {
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var cmd = new NpgsqlCommand("select current_setting('server_version')", conn);
            var version = (string?)await cmd.ExecuteScalarAsync(ct);
            var status = await migrator.GetStatusAsync(ct);
            return new HealthSection(status.IsCurrent, new
            {
                status = status.IsCurrent ? "ok" : "migrations not current",
                serverVersion = version,
                migrations = new { applied = status.AppliedCount, pending = status.Pending, drifted = status.Drifted },
                message = status.Describe(),
            });
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return new HealthSection(false, new
            {
                status = "unreachable",
                message = $"PostgreSQL does not answer: {e.Message}. Check that the server is running and that --db / WAREHOUSE_DB names it.",
            });
        }
    }
}
