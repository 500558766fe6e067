using Npgsql;

namespace Warehouse.Projections.Rebuild;

/// <summary>
/// Copies the shape (not the rows) of every table in a schema into a fresh one, keeping constraint, index and
/// table-comment names, so that after the swap the tables look exactly like the ones migrations created; and
/// swaps the copies in. The DDL text is built by PostgreSQL itself (format with %I/%L, pg_get_indexdef), from
/// catalog names, never from input.
/// </summary>
internal static class SchemaCopy
{
    /// <param name="holdFillIndexes">
    /// Create no index or key that a fill only needs from its second range on (a parallel replay: its first range
    /// inserts into empty tables, each row once, so no upsert needs a unique index and no merge looks anything up).
    /// They are returned as <see cref="CopyIndexes.Fill"/>, to build once in bulk: maintaining them row by row was
    /// a sixth of a worker's time. dim_products keeps its keys: every range's products are upserts.
    /// </param>
    public static async Task<CopyIndexes> CreateAsync(NpgsqlConnection conn, string from, string to, bool holdFillIndexes, CancellationToken ct)
    {
        await ExecAsync(conn, $"drop schema if exists {to} cascade; create schema {to};", ct);
        var ddl = await ReadAsync(conn, """
            select format('create unlogged table %I.%I (like %I.%I including defaults including generated including identity including storage including comments including constraints) with (%s)',
                          $2::text, c.relname, n.nspname, c.relname, $3::text)
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = $1 and c.relkind = 'r' order by c.relname
            """, from, to, ct, third: ParallelReplaySql.NoAutovacuum);
        var (fill, deferred) = (new List<string>(), new List<string>());
        var hold = (string table) => holdFillIndexes && table != "dim_products";
        foreach (var (statement, table) in (await ReadAsync(conn, """
            select format('alter table %I.%I add constraint %I %s', $2::text, t.relname, k.conname, pg_get_constraintdef(k.oid)),
                   t.relname
            from pg_constraint k join pg_class t on t.oid = k.conrelid join pg_namespace n on n.oid = t.relnamespace
            where n.nspname = $1 and t.relkind = 'r' and k.contype in ('p', 'u', 'x')
            order by t.relname, k.conname
            """, from, to, ct, withTable: true)).Select(SplitTable))
        {
            // The fact table's key is built once after the bulk load, like its reporting indexes: maintaining it
            // row by row was about 3 µs a fact, a tenth of the replay. Only the merge of persons looks facts up
            // by person, once per chunk that merges, and a scan of the copy serves it.
            if (table == "fct_interactions" && statement.Contains(" PRIMARY KEY ", StringComparison.Ordinal)) deferred.Add(statement);
            else if (hold(table)) fill.Add(statement);
            else ddl.Add(statement);
        }
        ddl.AddRange(await ReadAsync(conn, """
            select format('comment on table %I.%I is %L', $2::text, c.relname, d.description)
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            join pg_description d on d.objoid = c.oid and d.objsubid = 0 and d.classoid = 'pg_class'::regclass
            where n.nspname = $1 and c.relkind = 'r'
            """, from, to, ct));
        foreach (var statement in ddl) await ExecAsync(conn, statement, ct);

        // Plain indexes (not behind a constraint), re-pointed at the copy; the same names in the new schema.
        var indexes = await ReadAsync(conn, """
            select replace(pg_get_indexdef(i.indexrelid), format(' ON %I.%I ', $1::text, t.relname), format(' ON %I.%I ', $2::text, t.relname)),
                   t.relname
            from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
            where n.nspname = $1 and t.relkind = 'r'
              and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
            order by t.relname
            """, from, to, ct, withTable: true);
        foreach (var (statement, table) in indexes.Select(SplitTable))
        {
            // Kept while filling: unique indexes (each enforces a rule) and what a batch looks rows up by
            // (identities by person key: merges, touched persons; facts by order id: replaced orders). The rest
            // serve reports and are faster to build once, after the bulk load (the merge of persons then scans
            // the copy's facts, once per chunk that merges).
            var needed = statement.StartsWith("CREATE UNIQUE ", StringComparison.Ordinal) || table == "identities"
                         || (table == "fct_interactions" && statement.Contains("(order_id)", StringComparison.Ordinal));
            if (!needed) deferred.Add(statement);
            else if (hold(table)) fill.Add(statement);
            else await ExecAsync(conn, statement, ct);
        }

        await ExecAsync(conn, $"""
            insert into {to}.dim_products (product_key, product_id, name) values (0, '(none)', '(no product)');
            insert into {to}.projection_checkpoints (name, last_seq) values ('{BatchProjector.CheckpointName}', 0);
            """, ct);
        return new CopyIndexes(fill, deferred);
    }

    /// <summary>
    /// The copies are filled UNLOGGED (no WAL for the bulk load and its index maintenance; a crash only loses the
    /// copy, which the next rebuild drops anyway) and made durable here, before the catch-up and the swap: one
    /// sequential rewrite instead of WAL per row (which also leaves behind the dead rows a sequential fill's upserts
    /// made), and the swap never moves an unlogged table in. Autovacuum, kept off the copies while they fill (it
    /// would vacuum and analyze a million fresh rows beside the replay, and then hold up this rewrite), is given
    /// back here; the copies are analyzed before the swap (AnalyzeAsync).
    /// </summary>
    public static async Task SetLoggedAsync(NpgsqlConnection conn, string schema, CancellationToken ct)
    {
        var statements = await ReadAsync(conn, """
            select format('alter table %I.%I set logged, reset (autovacuum_enabled, toast.autovacuum_enabled)', n.nspname, c.relname)
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = $1 and c.relkind = 'r' and c.relpersistence = 'u' and $2 <> '' order by c.relname
            """, schema, schema, ct);
        foreach (var statement in statements) await ExecAsync(conn, statement, ct);
    }

    public static async Task CreateIndexesAsync(NpgsqlConnection conn, IEnumerable<string> statements, CancellationToken ct)
    {
        foreach (var statement in statements) await ExecAsync(conn, statement, ct);
    }

    /// <summary>
    /// Planner statistics for the copies before they go live. Fresh tables have none, and autovacuum may take
    /// minutes to notice them; until then the planner assumes 200 distinct values per column, and the daemon's
    /// first batches after the swap seq-scan the fact table to move a handful of merged persons' facts
    /// (measured: 91 ms instead of 4 ms per batch on 440k facts, the biggest item of a batch).
    /// </summary>
    public static async Task AnalyzeAsync(NpgsqlConnection conn, string schema, CancellationToken ct)
    {
        var statements = await ReadAsync(conn, """
            select format('analyze %I.%I', n.nspname, c.relname)
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = $1 and c.relkind = 'r' and $2 <> '' order by c.relname
            """, schema, schema, ct);
        foreach (var statement in statements) await ExecAsync(conn, statement, ct);
    }

    /// <summary>Moves the live tables out and the copies in (indexes and constraints travel with them).</summary>
    public static async Task SwapAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string fresh, string live, string old, CancellationToken ct)
    {
        await ExecAsync(conn, $"drop schema if exists {old} cascade; create schema {old};", ct, tx);
        var tables = await ReadAsync(conn, """
            select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = $1 and c.relkind = 'r' order by c.relname
            """, fresh, live, ct, tx: tx);
        foreach (var table in tables)
            await ExecAsync(conn, $"alter table if exists {live}.\"{table}\" set schema {old}", ct, tx);
        foreach (var table in tables)
            await ExecAsync(conn, $"alter table {fresh}.\"{table}\" set schema {live}", ct, tx);
    }

    private static (string Statement, string Table) SplitTable(string row)
    {
        var at = row.LastIndexOf('\u001f');
        return (row[..at], row[(at + 1)..]);
    }

    private static async Task<List<string>> ReadAsync(NpgsqlConnection conn, string sql, string from, string to, CancellationToken ct,
        bool withTable = false, NpgsqlTransaction? tx = null, string? third = null)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = to });
        if (third is not null) cmd.Parameters.Add(new() { Value = third });
        var list = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(withTable ? reader.GetString(0) + '\u001f' + reader.GetString(1) : reader.GetString(0));
        return list;
    }

    private static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <param name="Fill">Held keys and indexes that a fill needs from its second range on (empty unless held).</param>
/// <param name="Reports">Built after the bulk load: fct_interactions' key and the indexes only reports use.</param>
internal sealed record CopyIndexes(IReadOnlyList<string> Fill, IReadOnlyList<string> Reports);
