using Npgsql;
using NpgsqlTypes;

namespace Warehouse.Projections.Batch;

/// <summary>
/// Folds the events with floor &lt; seq_id ≤ ceiling into the star schema in <c>schema</c>: a fixed number of
/// set-based statements whatever the batch size (never a statement per event), fewer when the batch holds no
/// catalogue events, links or orders. Running (a, b] then (b, c] gives the same tables as (a, c], which is what
/// lets the projector split a failing batch and a rebuild use big ones. The caller owns the transaction and the
/// checkpoint.
/// </summary>
internal static class StarSchemaBatch
{
    public const string LiveSchema = "warehouse";

    /// <returns>How many events the range held, and the persons whose rows or facts changed.</returns>
    public static Task<BatchResult> RunAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema,
        long floor, long ceiling, CancellationToken ct) =>
        RunAsync(conn, tx, schema, Join(StageSql.DropTemps, StageSql.Stage(floor, ceiling)), ct);

    /// <summary>
    /// A parallel rebuild's worker (Rebuild/ParallelReplay): _b is already there (a view of the events of its
    /// share of persons, with their final keys), so there is nothing to merge; products and orders are decided on
    /// other connections (the order lines wait for the orders). One round trip of a fixed list of statements: a
    /// share is always big and mixed, so it runs every one instead of first counting what it holds (a scan of
    /// the share, 0.15 s in every 500k events), and it reports nothing (the caller counted the staged events).
    /// </summary>
    /// <param name="freshPersons">
    /// Null after the first range. In the first range, when no batch has written any of this share's persons yet,
    /// the condition on a person key <c>i.user_key</c> that selects the share's persons: inserts, not upserts.
    /// </param>
    public static async Task RunShareAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, string? freshPersons, CancellationToken ct) =>
        await ExecAsync(conn, tx, Join(
            StageSql.DropTempsOfShare,
            StageSql.PurchaseLinesView,
            In(schema, freshPersons is not null ? IdentitySql.RegisterFresh : IdentitySql.Register),
            In(schema, FactSql.ForPersons(FactSql.Interactions, decided: true)),
            FactSql.WaitForDecidedOrders,
            In(schema, FactSql.ForPersons(FactSql.OrderLines, decided: true)),
            freshPersons is not null ? null : IdentitySql.DecidedTouchedPersons,
            In(schema, freshPersons is not null ? IdentitySql.UsersFresh(freshPersons) : IdentitySql.Users)), ct);

    private static async Task<BatchResult> RunAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, string stage, CancellationToken ct)
    {
        var changed = new HashSet<long>();
        // Statements without a result go out together, one round trip per group: a daemon batch is mostly
        // latency, and freshness is what it buys.
        var kinds = await ReadKindsAsync(conn, tx, Join(stage, StageSql.Kinds), ct);
        if (kinds.Events == 0) return new BatchResult(0, changed);
        // Statistics pay off only on big batches (a rebuild's); small ones plan well on the defaults.
        var analyze = kinds.Events >= 2_000;
        var lines = kinds.ProductLines > 0 ? StageSql.Lines : null;

        await ExecAsync(conn, tx, Join(
            analyze ? StageSql.Analyze : null,
            lines,
            analyze && lines is not null ? "analyze pg_temp._l (seq, product_id)" : null,
            In(schema, IdentitySql.Register)), ct);
        if (kinds.Links > 0) await MergeAsync(conn, tx, schema, changed, ct);

        await ExecAsync(conn, tx, Join(
            kinds.ProductLines > 0 ? In(schema, FactSql.TrackerProducts) : null,
            kinds.Catalogue > 0 ? In(schema, FactSql.CatalogueProducts) : null,
            In(schema, FactSql.ForPersons(FactSql.Interactions, decided: false)),
            kinds.Purchases > 0 ? In(schema, FactSql.OrderWinners) : null), ct);
        if (kinds.Purchases > 0 && await ScalarAsync(conn, tx, "select count(*) from _w where replaces", ct) > 0)
        {
            await ExecAsync(conn, tx, "analyze pg_temp._w", ct);
            await ReadPairsAsync(conn, tx, In(schema, FactSql.ReplaceOrders), (k, _) => changed.Add(k), ct);
        }

        await ExecAsync(conn, tx, Join(
            kinds.Purchases > 0 ? In(schema, FactSql.RecordOrders) : null,
            kinds.Purchases > 0 ? In(schema, FactSql.ForPersons(FactSql.OrderLines, decided: false)) : null,
            In(schema, IdentitySql.TouchedPersons)
                .Replace("analyze pg_temp._k (user_key);", analyze ? "analyze pg_temp._k (user_key);" : "", StringComparison.Ordinal),
            In(schema, IdentitySql.Users)), ct);
        await ReadPairsAsync(conn, tx, "select user_key, 0::bigint from _k", (k, _) => changed.Add(k), ct);
        return new BatchResult(kinds.Events, changed);
    }

    /// <summary>
    /// Union-find over the batch's links between person keys; every component keeps its smallest key, so the
    /// outcome does not depend on the order of links (or of batches).
    /// </summary>
    private static async Task MergeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, HashSet<long> changed, CancellationToken ct)
    {
        var persons = new PersonComponents();
        await ReadPairsAsync(conn, tx, In(schema, IdentitySql.Links), persons.Link, ct);
        var merges = persons.Merges().ToList();
        if (merges.Count == 0) return;
        await using (var store = new NpgsqlCommand(IdentitySql.StoreMerges, conn, tx))
        {
            store.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = merges.Select(m => m.Old).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            store.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = merges.Select(m => m.New).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            await store.ExecuteNonQueryAsync(ct);
        }
        await ExecAsync(conn, tx, In(schema, IdentitySql.ApplyMerges), ct);
        foreach (var m in merges) changed.Add(m.Old);
    }

    /// <summary>Schema names come from code (warehouse or the rebuild's own), never from input.</summary>
    private static string In(string schema, string sql) => sql.Replace("{s}", schema, StringComparison.Ordinal);

    private sealed record Kinds(int Events, long Catalogue, long Purchases, long ProductLines, long Links);

    private static string Join(params string?[] statements) =>
        string.Join(";\n", statements.Where(x => x is not null).Select(x => x!.Trim().TrimEnd(';')));

    private static async Task<Kinds> ReadKindsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new Kinds((int)reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task ReadPairsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, Action<long, long> each, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var twoColumns = reader.FieldCount > 1;
        while (await reader.ReadAsync(ct)) each(reader.GetInt64(0), twoColumns ? reader.GetInt64(1) : 0);
    }
}

internal sealed record BatchResult(int Events, IReadOnlySet<long> ChangedUserKeys);
