using Npgsql;

namespace Warehouse.Projections.Batch;

/// <summary>
/// Folds the events with floor &lt; seq_id ≤ ceiling into the star schema in <c>schema</c>: a fixed number of
/// set-based statements whatever the batch size (never a statement per event). Running (a, b] then (b, c] gives
/// the same tables as (a, c], which is what lets the projector split a failing batch and a rebuild use big ones.
/// The caller owns the transaction and the checkpoint.
/// </summary>
internal static class StarSchemaBatch
{
    public const string LiveSchema = "warehouse";

    /// <returns>How many events the range held, and the persons whose rows or facts changed.</returns>
    public static async Task<BatchResult> RunAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema,
        long floor, long ceiling, CancellationToken ct)
    {
        await ExecAsync(conn, tx, StageSql.DropTemps, ct);
        await ExecAsync(conn, tx, StageSql.Stage, ct, floor, ceiling);
        var changed = new HashSet<long>();
        var events = await CountAsync(conn, tx, "select count(*) from _b", ct);
        if (events == 0) return new BatchResult(0, changed);
        await ExecAsync(conn, tx, "analyze pg_temp._b", ct);
        await ExecAsync(conn, tx, StageSql.Lines, ct);
        await ExecAsync(conn, tx, "analyze pg_temp._l", ct);

        await ExecAsync(conn, tx, In(schema, IdentitySql.Register), ct);
        await ExecAsync(conn, tx, In(schema, IdentitySql.Merges), ct);
        if (await CountAsync(conn, tx, "select count(*) from _m", ct) > 0)
        {
            await ExecAsync(conn, tx, In(schema, IdentitySql.ApplyMerges), ct);
            await ReadKeysAsync(conn, tx, "select old_key from _m", changed, ct);
        }
        await ExecAsync(conn, tx, In(schema, IdentitySql.FirstTouch), ct);
        await ExecAsync(conn, tx, In(schema, IdentitySql.Traits), ct);

        await ExecAsync(conn, tx, In(schema, FactSql.TrackerProducts), ct);
        await ExecAsync(conn, tx, In(schema, FactSql.CatalogueProducts), ct);
        await ExecAsync(conn, tx, In(schema, FactSql.Interactions), ct);
        await ExecAsync(conn, tx, In(schema, FactSql.OrderWinners), ct);
        if (await CountAsync(conn, tx, "select count(*) from _w where replaces", ct) > 0)
        {
            await ExecAsync(conn, tx, "analyze pg_temp._w", ct);
            await ReadKeysAsync(conn, tx, In(schema, FactSql.ReplaceOrders), changed, ct);
        }
        await ExecAsync(conn, tx, In(schema, FactSql.RecordOrders), ct);
        await ExecAsync(conn, tx, In(schema, FactSql.OrderLines), ct);

        await ExecAsync(conn, tx, In(schema, IdentitySql.TouchedPersons), ct);
        await ExecAsync(conn, tx, In(schema, IdentitySql.Users), ct);
        await ReadKeysAsync(conn, tx, "select user_key from _k", changed, ct);
        return new BatchResult(events, changed);
    }

    /// <summary>Schema names come from code (warehouse or the rebuild's own), never from input.</summary>
    private static string In(string schema, string sql) => sql.Replace("{s}", schema, StringComparison.Ordinal);

    private static async Task<int> ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct,
        params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<int> CountAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        return (int)(long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task ReadKeysAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, HashSet<long> into, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) into.Add(reader.GetInt64(0));
    }
}

internal sealed record BatchResult(int Events, IReadOnlySet<long> ChangedUserKeys);
