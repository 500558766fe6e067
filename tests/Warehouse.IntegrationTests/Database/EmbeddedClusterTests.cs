using System.Diagnostics;
using Npgsql;
using Warehouse.Database.Embedded;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Database;

public sealed class EmbeddedClusterTests : IDisposable
{
    private readonly string _dir = Path.Combine(TestPostgres.ScratchRoot, $"cluster_{Guid.NewGuid():N}");

    [Fact]
    public async Task a_new_cluster_starts_is_reused_by_a_second_process_and_stops_when_the_last_one_leaves()
    {
        var first = new EmbeddedCluster(_dir, fastInit: true);
        var firstCs = await first.StartAsync();
        await ExecAsync(firstCs, "create database kept_between_runs");

        var second = new EmbeddedCluster(_dir);
        var secondCs = await second.StartAsync();
        Assert.Equal(first.Port, second.Port);

        await first.DisposeAsync();
        Assert.Equal(1, await ScalarAsync(secondCs, "select count(*)::int from pg_database where datname = 'kept_between_runs'"));

        await second.DisposeAsync();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(secondCs, "select 1"));

        // Reuse across runs: the data survives a stop and a new start, on whatever port is free now.
        var third = new EmbeddedCluster(_dir);
        var thirdCs = await third.StartAsync();
        Assert.Equal(1, await ScalarAsync(thirdCs, "select count(*)::int from pg_database where datname = 'kept_between_runs'"));
        await third.DisposeAsync();
    }

    [Fact]
    public async Task two_starters_at_once_share_one_server_and_never_init_twice()
    {
        var clusters = Enumerable.Range(0, 3).Select(_ => new EmbeddedCluster(_dir, fastInit: true)).ToList();
        await Task.WhenAll(clusters.Select(c => c.StartAsync()));
        Assert.Single(clusters.Select(c => c.Port).Distinct());
        foreach (var c in clusters) await c.DisposeAsync();
        Assert.True(File.Exists(Path.Combine(_dir, "data", "PG_VERSION")));
    }

    [Fact]
    public async Task without_server_binaries_the_cli_exits_non_zero_and_names_the_package_and_the_db_option()
    {
        var host = typeof(Program).Assembly.Location;
        var psi = new ProcessStartInfo(Environment.ProcessPath!, [host, "migrate", "--data-dir", _dir])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        psi.Environment["PATH"] = "/nonexistent";
        psi.Environment[PostgresBinaries.SearchRootVariable] = "/nonexistent";
        psi.Environment.Remove("WAREHOUSE_DB");
        using var process = Process.Start(psi)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("apt-get install postgresql", stderr);
        Assert.Contains("--db", stderr);
        Assert.Contains("WAREHOUSE_DB", stderr);
    }

    private static async Task ExecAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<int> ScalarAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Pooling = false, Timeout = 3 }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (int)(await cmd.ExecuteScalarAsync())!;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
