using Dapper;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Projections;

/// <summary>warehouse.wh_key: the surrogate keys every projected table stores, so its values may never change.</summary>
public sealed class SurrogateKeyTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task wh_key_keeps_the_values_of_its_first_definition_and_is_inlined_into_queries()
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        // The first definition (migration 0031): the 64-bit text hash, with 0 (the "no product" key) mapped to 1.
        var mismatches = await conn.ExecuteScalarAsync<long>("""
            select count(*) from (select 'id-' || g as id from generate_series(1, 20000) g
                                  union all select '' union all select 'product:p-1' union all select 'ünïcödé') ids
            where warehouse.wh_key(id) is distinct from
                  (select case when k = 0 then 1 else k end from (select hashtextextended(id, 0) as k) h)
            """);
        Assert.Equal(0, mismatches);
        Assert.Null(await conn.ExecuteScalarAsync<long?>("select warehouse.wh_key(null)"));

        // Inlined: the plan computes the hash itself instead of calling the SQL function once per row (~1 µs each).
        var plan = string.Join('\n', await conn.QueryAsync<string>(
            "explain verbose select warehouse.wh_key(x) from (values ('a'), ('b')) v(x)"));
        Assert.Contains("hashtextextended", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("wh_key", plan, StringComparison.Ordinal);
    }
}
