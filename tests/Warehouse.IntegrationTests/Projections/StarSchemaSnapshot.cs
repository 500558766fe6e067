using Dapper;
using Npgsql;

namespace Warehouse.IntegrationTests.Projections;

/// <summary>Every row of the star schema and its state, as text, in a stable order (updated_at left out).</summary>
internal static class StarSchemaSnapshot
{
    private static readonly string[] Queries =
    [
        "select (u.*)::text from (select user_key, user_id, anonymous_ids, first_seen_at, first_source, first_medium, first_campaign, first_referrer, first_landing_page, first_device, first_country, traits from warehouse.dim_users) u order by 1",
        "select (p.*)::text from (select product_key, product_id, sku, name, category, brand, price, currency, attributes, first_seen_at from warehouse.dim_products) p order by 1",
        "select (f.*)::text from warehouse.fct_interactions f order by 1",
        "select (i.*)::text from warehouse.identities i order by 1",
        "select (o.*)::text from warehouse.orders o order by 1",
        "select seq_id::text || ' ' || error from warehouse.projection_dead_letters order by seq_id",
    ];

    public static async Task<List<string>> TakeAsync(NpgsqlDataSource ds)
    {
        await using var conn = await ds.OpenConnectionAsync();
        var rows = new List<string>();
        foreach (var q in Queries) rows.AddRange((await conn.QueryAsync<string>(q)).Select(r => q[..30] + " | " + r));
        return rows;
    }

    public static void AssertEqual(List<string> expected, List<string> actual)
    {
        var missing = expected.Except(actual).Take(5).ToList();
        var extra = actual.Except(expected).Take(5).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0 && expected.Count == actual.Count,
            $"star schemas differ ({expected.Count} vs {actual.Count} rows).\nmissing:\n{string.Join("\n", missing)}\nextra:\n{string.Join("\n", extra)}");
    }
}
