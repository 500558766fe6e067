using Npgsql;

namespace Warehouse.Database.Migrations;

/// <summary>
/// The dashboards' role: usage and select on kpi and warehouse, nothing on events, no writes, no temp
/// tables. Roles are cluster-wide; grants are per database, so both are (re)applied on every migrate.
/// </summary>
internal static class ReadOnlyRole
{
    public static async Task EnsureAsync(NpgsqlConnection conn, DatabaseOptions options, CancellationToken ct)
    {
        var role = Quote(options.ReadOnlyRole);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var exists = new NpgsqlCommand("select 1 from pg_roles where rolname = $1", conn)
                { Parameters = { new() { Value = options.ReadOnlyRole } } };
                if (await exists.ExecuteScalarAsync(ct) is null)
                    await ExecAsync(conn, $"create role {role} nologin", ct);
                if (!string.IsNullOrEmpty(options.ReadOnlyPassword))
                    // ALTER ROLE takes no bind parameters; the password comes from configuration, and is quoted.
                    await ExecAsync(conn, $"alter role {role} login password '{options.ReadOnlyPassword.Replace("'", "''", StringComparison.Ordinal)}'", ct);
                break;
            }
            catch (PostgresException e) when (attempt < 5 && e.SqlState is PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.InternalError)
            {
                // Another database of the same cluster is migrating at the same moment ("tuple concurrently updated").
                await Task.Delay(50 * (attempt + 1), ct);
            }
        }

        await ExecAsync(conn, $"""
            do $$ begin
              execute format('grant temporary on database %I to %I', current_database(), current_user);
              execute format('revoke temporary on database %I from public', current_database());
            end $$;
            revoke all on schema events from {role};
            revoke all on all tables in schema events from {role};
            """, ct);
        await GrantReadsAsync(conn, null, options.ReadOnlyRole, ct);
    }

    /// <summary>Select on everything in kpi and warehouse, now and for tables created later (rebuilds).</summary>
    public static async Task GrantReadsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string roleName, CancellationToken ct)
    {
        await using var exists = new NpgsqlCommand("select 1 from pg_roles where rolname = $1", conn, tx)
        { Parameters = { new() { Value = roleName } } };
        if (await exists.ExecuteScalarAsync(ct) is null) return; // first migrate: EnsureAsync creates it, then grants
        var role = Quote(roleName);
        await using var cmd = new NpgsqlCommand($"""
            grant usage on schema kpi, warehouse to {role};
            grant select on all tables in schema kpi, warehouse to {role};
            alter default privileges in schema warehouse grant select on tables to {role};
            alter default privileges in schema kpi grant select on tables to {role};
            """, conn, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
