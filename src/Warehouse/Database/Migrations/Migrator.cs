using Microsoft.Extensions.Logging;
using Npgsql;

namespace Warehouse.Database.Migrations;

/// <summary>
/// Applies sql/migrations/NNNN_*.sql in order, each once and in its own transaction, recorded with a
/// checksum in public.warehouse_migrations; then re-creates everything in schema kpi from sql/views.
/// A session-level advisory lock serialises concurrent migrators (two `warehouse serve` starting at once).
/// </summary>
public sealed partial class Migrator(NpgsqlDataSource dataSource, DatabaseOptions options, ILogger<Migrator> logger)
{
    /// <summary>Advisory lock key: the bytes of "WHMIGRAT".</summary>
    private const long LockKey = 0x57484D4947524154;

    private const string HistoryDdl = """
        create table if not exists public.warehouse_migrations (
            name        text primary key,
            checksum    text not null,
            applied_at  timestamptz not null default now()
        )
        """;

    public async Task<MigrationReport> MigrateAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await ExecuteAsync(conn, $"select pg_advisory_lock({LockKey})", ct);
        try
        {
            await ExecuteAsync(conn, HistoryDdl, ct);
            var applied = await ReadAppliedAsync(conn, ct);
            var newlyApplied = new List<string>();
            foreach (var script in SqlScripts.Migrations())
            {
                if (applied.TryGetValue(script.Name, out var checksum))
                {
                    if (checksum != script.Checksum) throw MigrationDriftException.For(script.Name, checksum, script.Checksum);
                    continue;
                }
                await using var tx = await conn.BeginTransactionAsync(ct);
                try
                {
                    await ExecuteAsync(conn, script.Sql, ct, tx);
                }
                catch (PostgresException e)
                {
                    throw new MigrationFailedException($"Migration {script.Name} failed and was rolled back: {e.MessageText} (SQLSTATE {e.SqlState})", e);
                }
                await using (var record = new NpgsqlCommand("insert into public.warehouse_migrations (name, checksum) values ($1, $2)", conn, tx))
                {
                    record.Parameters.Add(new() { Value = script.Name });
                    record.Parameters.Add(new() { Value = script.Checksum });
                    await record.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                newlyApplied.Add(script.Name);
                LogApplied(logger, script.Name);
            }

            await using (var tx = await conn.BeginTransactionAsync(ct))
            {
                var views = await RecreateViewsAsync(conn, tx, options.ReadOnlyRole, ct);
                await tx.CommitAsync(ct);
                LogViews(logger, views);
            }
            await ReadOnlyRole.EnsureAsync(conn, options, ct);
            return new MigrationReport(newlyApplied, SqlScripts.Views().Count);
        }
        finally
        {
            await ExecuteAsync(conn, $"select pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
    }

    /// <summary>
    /// Drops and re-creates schema kpi from sql/views, in layer order. Everything in kpi is derived, so
    /// nothing is lost. A projection rebuild that swaps tables calls this inside its swap transaction,
    /// because a view is bound to the table it was created on, not to the table's name.
    /// </summary>
    public static async Task<int> RecreateViewsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string readOnlyRole, CancellationToken ct)
    {
        await ExecuteAsync(conn, "drop schema if exists kpi cascade; create schema kpi;", ct, tx);
        var views = SqlScripts.Views();
        foreach (var view in views)
        {
            try
            {
                await ExecuteAsync(conn, view.Sql, ct, tx);
            }
            catch (PostgresException e)
            {
                throw new MigrationFailedException($"View script {view.Path} failed: {e.MessageText} (SQLSTATE {e.SqlState})", e);
            }
        }
        await ReadOnlyRole.GrantReadsAsync(conn, tx, readOnlyRole, ct);
        return views.Count;
    }

    /// <summary>What is applied, what is pending, and which applied files have changed since.</summary>
    public async Task<MigrationStatus> GetStatusAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var exists = new NpgsqlCommand("select to_regclass('public.warehouse_migrations') is not null", conn);
        var applied = (bool)(await exists.ExecuteScalarAsync(ct))! ? await ReadAppliedAsync(conn, ct) : new Dictionary<string, string>();
        var scripts = SqlScripts.Migrations();
        var pending = scripts.Where(s => !applied.ContainsKey(s.Name)).Select(s => s.Name).ToList();
        var drifted = scripts.Where(s => applied.TryGetValue(s.Name, out var c) && c != s.Checksum).Select(s => s.Name).ToList();
        return new MigrationStatus(applied.Count, pending, drifted);
    }

    private static async Task<Dictionary<string, string>> ReadAppliedAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand("select name, checksum from public.warehouse_migrations", conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) applied[reader.GetString(0)] = reader.GetString(1);
        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(LogLevel.Information, "Applied migration {Name}")]
    private static partial void LogApplied(ILogger logger, string name);

    [LoggerMessage(LogLevel.Information, "Re-created {Count} view scripts in schema kpi")]
    private static partial void LogViews(ILogger logger, int count);
}

public sealed record MigrationReport(IReadOnlyList<string> Applied, int ViewScripts);

public sealed record MigrationStatus(int AppliedCount, IReadOnlyList<string> Pending, IReadOnlyList<string> Drifted)
{
    public bool IsCurrent => Pending.Count == 0 && Drifted.Count == 0;

    public string Describe() => IsCurrent
        ? $"{AppliedCount} migrations applied, none pending"
        : string.Join("; ", new[]
        {
            Pending.Count > 0 ? $"{Pending.Count} migrations pending ({string.Join(", ", Pending)}): run `warehouse migrate`" : null,
            Drifted.Count > 0 ? $"applied migrations changed since they ran: {string.Join(", ", Drifted)}" : null,
        }.Where(s => s is not null));
}

public sealed class MigrationFailedException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class MigrationDriftException(string message) : Exception(message)
{
    public static MigrationDriftException For(string name, string applied, string now) => new(
        $"Migration {name} was applied with checksum {applied[..12]}… but the file now has {now[..12]}…. " +
        "An applied migration is never edited: restore the file and put the change in a new migration.");
}
