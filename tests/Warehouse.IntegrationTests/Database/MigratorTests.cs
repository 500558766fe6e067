using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Warehouse.Database;
using Warehouse.Database.Migrations;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Database;

public sealed class MigratorTests : IAsyncLifetime
{
    private readonly string _name = TestPostgres.NewDatabaseName("wm");
    private NpgsqlDataSource _ds = null!;

    public async Task InitializeAsync() => _ds = WarehouseDataSource.Create(await TestPostgres.CreateEmptyDatabaseAsync(_name));

    public async Task DisposeAsync()
    {
        await _ds.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_name);
    }

    private Migrator NewMigrator() => new(_ds, new DatabaseOptions(), NullLogger<Migrator>.Instance);

    [Fact]
    public async Task migrate_applies_every_file_in_order_once_and_creates_the_three_schemas()
    {
        var first = await NewMigrator().MigrateAsync();
        var second = await NewMigrator().MigrateAsync();

        var expected = SqlScripts.Migrations().Select(m => m.Name).ToList();
        Assert.Equal(expected, first.Applied);
        Assert.Empty(second.Applied);

        await using var conn = await _ds.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("select name, checksum from public.warehouse_migrations order by applied_at, name", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var recorded = new List<(string, string)>();
        while (await reader.ReadAsync()) recorded.Add((reader.GetString(0), reader.GetString(1)));
        Assert.Equal(SqlScripts.Migrations().Select(m => (m.Name, m.Checksum)), recorded);
        await reader.DisposeAsync();

        await using var schemas = new NpgsqlCommand(
            "select count(*)::int from pg_namespace where nspname in ('events', 'warehouse', 'kpi')", conn);
        Assert.Equal(3, (int)(await schemas.ExecuteScalarAsync())!);
        Assert.True((await NewMigrator().GetStatusAsync()).IsCurrent);
    }

    [Fact]
    public async Task an_applied_migration_whose_content_changed_is_an_error_that_names_the_file()
    {
        await NewMigrator().MigrateAsync();
        var victim = SqlScripts.Migrations()[0].Name;
        await using (var conn = await _ds.OpenConnectionAsync())
        await using (var cmd = new NpgsqlCommand("update public.warehouse_migrations set checksum = 'deadbeefdeadbeefdeadbeef' where name = $1", conn))
        {
            cmd.Parameters.Add(new() { Value = victim });
            await cmd.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<MigrationDriftException>(() => NewMigrator().MigrateAsync());
        Assert.Contains(victim, error.Message);
        var status = await NewMigrator().GetStatusAsync();
        Assert.False(status.IsCurrent);
        Assert.Equal([victim], status.Drifted);
    }

    [Fact]
    public async Task two_migrators_at_once_are_serialised_and_apply_each_file_once()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => NewMigrator().MigrateAsync())));

        Assert.Equal(SqlScripts.Migrations().Count, results.Sum(r => r.Applied.Count));
        await using var conn = await _ds.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("select count(*)::int from public.warehouse_migrations", conn);
        Assert.Equal(SqlScripts.Migrations().Count, (int)(await cmd.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task a_database_that_was_never_migrated_reports_every_migration_pending()
    {
        var status = await NewMigrator().GetStatusAsync();
        Assert.False(status.IsCurrent);
        Assert.Equal(SqlScripts.Migrations().Select(m => m.Name), status.Pending);
        Assert.Contains("warehouse migrate", status.Describe());
    }
}
